# cudaPackages_12 as far as lib/'s soname table names it: each attribute the libraries of one
# NVIDIA redistributable, unfree as in nixpkgs (check-meta refuses it unless config.allowUnfree),
# built from the binaries NVIDIA publishes on PyPI (cuda-redist.json) and linked against each other
# with autoPatchelfHook. The driver (libcuda.so.1) is not here: as in nixpkgs, it comes from the
# driver runpath at run time.
{ lib, stdenvNoCC, fetchurl, unzip, autoPatchelfHook, gcc-unwrapped-lib, zlib }:
let
  table = removeAttrs (lib.fromJSON (lib.readFile ./cuda-redist.json)) [ "_comment" ];
  redist = attr: w: stdenvNoCC.mkDerivation {
    pname = "cuda-${attr}";
    inherit (w) version;
    src = fetchurl { inherit (w) url sha256; };
    nativeBuildInputs = [ unzip autoPatchelfHook ];
    buildInputs = [ gcc-unwrapped-lib zlib ] ++ map (d: set.${d}) w.links;
    dontUnpack = true;
    installPhase = ''
      mkdir -p $out/lib wheel
      unzip -qq "$src" -d wheel
      find wheel -path '*/lib/*.so*' -exec cp -P {} $out/lib/ \;
    '';
    # libcuda.so.1 is the driver's (nixpkgs: autoAddDriverRunpath, addDriverRunpath.driverLink).
    autoPatchelfIgnoreMissingDeps = [ "libcuda.so.1" ];
    meta = { license = { shortName = "CUDA EULA"; free = false; }; platforms = [ "x86_64-linux" ]; };
  };
  set = lib.mapAttrs redist table;
in
set
