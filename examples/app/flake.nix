{
  description = "hello-mach-nix: a pyproject.toml application built with mach-nix";
  # Where your copy of mach-nix lives: a git URL (e.g. "github:OWNER/mach-nix") or "path:/abs/path/to/mach-nix".
  inputs.mach-nix.url = "github:OWNER/mach-nix";
  inputs.nixpkgs.follows = "mach-nix/nixpkgs";
  outputs = { self, nixpkgs, mach-nix }:
    let
      system = "x86_64-linux";
      m = mach-nix.lib.${system};
    in
    {
      # nix build: the application (name, version, dependencies from pyproject.toml; pinned by the lock).
      packages.${system}.default = m.buildPythonApplication {
        src = ./.;
        lockFile = ./mach-nix.lock.json;
        pythonImportsCheck = [ "hello_mach_nix" ];
      };
      apps.${system}.default = { type = "app"; program = "${self.packages.${system}.default}/bin/hello-mach-nix"; };
      # nix develop --impure: the dependencies, and this checkout's src/ on PYTHONPATH (a flake's own
      # source is a store copy, so the editable directory comes from $PWD).
      devShells.${system}.default = m.mkPythonShell {
        lockFile = ./mach-nix.lock.json;
        editable = builtins.getEnv "PWD";
      };
    };
}
