{
  description = "A Python environment from requirements.txt with mach-nix";
  inputs.mach-nix.url = "github:DavHau/mach-nix";
  inputs.nixpkgs.follows = "mach-nix/nixpkgs";
  outputs = { self, nixpkgs, mach-nix }:
    let
      system = "x86_64-linux";
      m = mach-nix.lib.${system};
    in {
      packages.${system}.default = m.mkPython { requirementsFile = ./requirements.txt; };
      devShells.${system}.default = m.mkPythonShell { requirementsFile = ./requirements.txt; };
    };
}
