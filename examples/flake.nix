{
  description = "A Python environment from requirements.txt with mach-nix";
  # Where your copy of mach-nix lives: a git URL (e.g. "github:OWNER/mach-nix") or "path:/abs/path/to/mach-nix".
  inputs.mach-nix.url = "github:OWNER/mach-nix";
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
