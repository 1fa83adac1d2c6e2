{
  description = "mach-nix: reproducible Python environments on Nix from requirements.txt or pyproject.toml";

  # The current stable release (lib/ supports R24.05 and later: docs/nix.md).
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAll = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);
      pkgsFor = system: import nixpkgs { inherit system; };
      # mkMachNix pkgs → { mkPython, mkPythonShell, mkOverlay, mkPythonOverrides, resolve, index, mach-nix }
      mkMachNix = pkgs: mkMachNixWith { inherit pkgs; };
      # mkMachNixWith { pkgs; python ? pkgs.python3; indexes ? [ ]; } — the same, with index layers
      # (`mach-nix index add … --out ./mach-nix-index`) that every resolution reads after ./data.
      mkMachNixWith = { pkgs, python ? pkgs.python3, indexes ? [ ] }:
        import ./lib { inherit pkgs python indexes; pypiData = ./data; src = ./py; };
    in
    {
      lib = forAll (system: mkMachNix (pkgsFor system)) // { inherit mkMachNix mkMachNixWith; };

      packages = forAll (system: { default = (mkMachNix (pkgsFor system)).mach-nix; });

      # One-liners (the attribute path is the requirement list; resolved on demand):
      #   nix shell .#gen.python.requests.pandas   nix build .#gen.docker.requests   nix develop .#gen.shell.requests
      legacyPackages = forAll (system: { gen = (mkMachNix (pkgsFor system)).gen; });

      apps = forAll (system: {
        default = { type = "app"; program = "${self.packages.${system}.default}/bin/mach-nix"; };
      });

      overlays.default = final: prev: { mach-nix = (mkMachNix final).mach-nix; };

      templates.default = {
        path = ./examples;
        description = "A Python environment and shell from requirements.txt with mach-nix";
      };

      # The committed test lock targets x86_64-linux, so the environment check exists there only.
      checks = forAll (system:
        { cli = self.packages.${system}.default; }
        // (if system == "x86_64-linux" then {
          env-from-lock = (mkMachNix (pkgsFor system)).mkPython { lockFile = ./tests/nix/locks/requests.json; };
        } else { }));
    };
}
