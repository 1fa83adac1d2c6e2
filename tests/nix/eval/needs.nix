# What a lock's `needs` (issue 20) make of a wheel build, on the shim grown with stand-ins for the
# packages overrides/sonames.json maps to (evaluation only: nothing is built).
with import ../common.nix { };
let
  standIn = name: pkgs.runCommand "${name}-stand-in" { } "mkdir -p $out/lib";
  pkgs' = import ../../nixpkgs-shim {
    overlays = [ (f: p: { tbb_2022 = standIn "tbb"; rdma-core = standIn "rdma-core"; mpi = standIn "openmpi"; }) ];
  };
  machNix' = import ../../.. { pkgs = pkgs'; pypiData = ../../data/index-small; };
  base = importJSON ../locks/host/numpy.json;
  withNeeds = pkgsOf: machNix'.mkPython {
    lockFile = builtins.toFile "needs-lock.json" (builtins.toJSON (base // { packages = pkgsOf base.packages; }));
  };
  numpyWith = needs: (withNeeds (ps: ps // { numpy = ps.numpy // { inherit needs; }; })).passthru.python.pkgs.numpy;
  np = numpyWith {
    "libtbb.so.12" = { use = "module"; };            # mapped: the package is a build input
    "libibverbs.so.1" = { use = "plugin"; };          # mapped, plugin-only: still given (free, small)
    "libcuda.so.1" = { use = "plugin"; };             # the driver: runpath, never a package
    "libstdc++.so.6" = { use = "module"; };           # in every manylinux set: nothing more
    "libcublas.so.12" = { use = "plugin"; };          # unfree CUDA, plugin-only: tolerated
    "libfoo-unmapped.so.3" = { use = "plugin"; };     # nothing maps it, plugin-only: tolerated
    "libcertifi-demo.so.1" = { use = "module"; wheel = "certifi"; };  # another locked wheel ships it
  };
  inputs = d: lib.sort (a: b: a < b) (map nameOf d);
  missingModuleNeed = numpyWith { "libfoo-unmapped.so.3" = { use = "module"; }; };
  needsLib = import ../../../lib/needs.nix { lib = pkgs'.lib; pkgs = pkgs'; };
  # A lock without `needs` keeps today's behaviour (and the overrides/ fallbacks that say unlessNeeds).
  plain = (machNix'.mkPython { lockFile = ../locks/host/numpy.json; }).passthru.python.pkgs.numpy;
  fixes = import ../../../lib/overrides.nix { lib = pkgs'.lib; pkgs = pkgs'; };
in
{
  buildInputs = inputs np.buildInputs;
  driverRunpath = lib.any (d: lib.hasPrefix "auto-add-driver-runpath-hook" d.name) np.nativeBuildInputs;
  ignoreMissing = lib.sort (a: b: a < b) (lib.filter (x: x != "") (lib.splitString " " (toString np.autoPatchelfIgnoreMissingDeps)));
  searchCertifi = lib.hasInfix "addAutoPatchelfSearchPath" np.drvAttrs.preFixup && lib.hasInfix "certifi" np.drvAttrs.preFixup;
  buildLogLists = lib.hasInfix "need libcublas.so.12 libfoo-unmapped.so.3;" np.drvAttrs.preFixup;
  machNix = { inherit (np.passthru.machNix) needs tolerated searchWheels; };
  thrown = (builtins.tryEval missingModuleNeed.drvPath).success;
  classify = {
    module = needsLib.classify "libtbb.so.12" { use = "module"; };
    tbbOnOldNixpkgs = (import ../../../lib/needs.nix { inherit lib; pkgs = pkgs' // { tbb_2022 = null; tbb = standIn "tbb"; }; }).classify "libtbb.so.12" { use = "module"; };
    # on a nixpkgs without cudaPackages_12 (the stand-in has one, built from NVIDIA's redistributables)
    moduleUnfreeMissing = (import ../../../lib/needs.nix { inherit lib; pkgs = removeAttrs pkgs' [ "cudaPackages_12" ]; }).classify "libcublas.so.12" { use = "module"; };
  };
  plain = { buildInputs = inputs plain.buildInputs; needs = plain.passthru.machNix.needs; };
  torchFallback = {
    withoutNeeds = (fixes.forPackage { name = "torch"; version = "2.5.1"; provider = "wheel"; }).autoPatchelfIgnoreMissingDeps;
    withNeeds = (fixes.forPackage { name = "torch"; version = "2.5.1"; provider = "wheel"; hasNeeds = true; }).autoPatchelfIgnoreMissingDeps;
  };
}
