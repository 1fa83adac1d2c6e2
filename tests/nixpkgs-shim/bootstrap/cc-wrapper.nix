# nixpkgs' cc-wrapper and ld-wrapper, reduced to what builds of Python packages meet: the compiler
# sees glibc and the include/ and lib/ of the derivation's declared inputs (NIX_CFLAGS_COMPILE,
# NIX_LDFLAGS, set by the setup hook from buildInputs), links against glibc's start files, and gives
# executables the store's dynamic linker and every linked store library directory a RUNPATH entry.
{ system, tools, gcc, glibc, loader }:
let
  drv = derivation {
    name = "gcc-wrapper";
    inherit system tools gcc glibc loader;
    builder = "${tools}/bin/bash";
    args = [ ./make-cc-wrapper.sh ];
    setupHook = ./cc-setup-hook.sh;
    storeDir = builtins.storeDir;
  };
in
drv // {
  # nixpkgs' stdenv.cc attributes that recipes and lib/ read.
  libc = glibc // { version = glibc.version; };
  cc = gcc // { lib = gcc; };
  bintools = drv;
  isGNU = true;
  isClang = false;
  targetPrefix = "";
}
