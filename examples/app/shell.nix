# Editable development shell: the dependencies from the resolution, and src/ on PYTHONPATH, so
# edits to the code take effect without a rebuild.
{ pkgs ? import <nixpkgs> { }
, machNix ? import ../../. { inherit pkgs; }
, lockFile ? ./mach-nix.lock.json  # a lock for your interpreter (the committed one is for CPython 3.11)
}:
machNix.mkPythonShell {
  inherit lockFile;
  editable = toString ./.;
}
