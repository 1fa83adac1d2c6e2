# Editable development shell: the dependencies from the resolution, and src/ on PYTHONPATH, so
# edits to the code take effect without a rebuild.
{ pkgs ? import <nixpkgs> { }
, machNix ? import ../../. { inherit pkgs; }
}:
machNix.mkPythonShell {
  lockFile = ./mach-nix.lock.json;
  editable = toString ./.;
}
