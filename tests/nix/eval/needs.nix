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
    "libz.so.1" = { use = "module"; wheel = "certifi"; };            # a free package comes before another wheel's copy
  };
  inputs = d: lib.sort (a: b: a < b) (map nameOf d);
  missingModuleNeed = numpyWith { "libfoo-unmapped.so.3" = { use = "module"; }; };
  needsLib = import ../../../lib/needs.nix { lib = pkgs'.lib; pkgs = pkgs'; };
  # A lock without `needs` keeps today's behaviour (and the overrides/ fallbacks that say unlessNeeds).
  plain = (machNix'.mkPython { lockFile = ../locks/host/numpy.json; }).passthru.python.pkgs.numpy;
  fixes = import ../../../lib/overrides.nix { lib = pkgs'.lib; pkgs = pkgs'; };
  # torchcodec's shape: one extension module per FFmpeg major (overrides/sonames.json `anyOf`).
  needsOf = needs: { filename = "torchcodec-0.8.0-cp312-cp312-manylinux_2_28_x86_64.whl"; version = "0.8.0"; inherit needs; };
  m = { use = "module"; };
  withFfmpeg = majors: import ../../../lib/needs.nix {
    inherit lib; pkgs = pkgs' // lib.genAttrs majors (a: standIn a);
  };
  ffmpeg7 = (withFfmpeg [ "ffmpeg_7" ]).forWheel { name = "torchcodec"; entry = needsOf {
    "libavutil.so.60" = m; "libavcodec.so.62" = m;     # FFmpeg 8: not in this nixpkgs
    "libavutil.so.59" = m; "libavcodec.so.61" = m;     # FFmpeg 7: given
    "libavutil.so.58" = m; "libswresample.so.4" = m;   # FFmpeg 6 (5 has the same libswresample.so.4)
  }; };
  # FFmpeg 6 chosen: libswresample.so.4, which FFmpeg 5's group also names, stays with it.
  ffmpeg6 = (withFfmpeg [ "ffmpeg_6" ]).forWheel { name = "torchcodec"; entry = needsOf {
    "libavutil.so.58" = m; "libswresample.so.4" = m; "libavutil.so.57" = m; }; };
  noFfmpeg = (withFfmpeg [ ]).forWheel { name = "torchcodec"; entry = needsOf { "libavutil.so.59" = m; "libavutil.so.58" = m; }; };
  python312 = { pythonVersion = "3.12"; };
  cudaTile = python: needsLib.forWheel ({ name = "cuda-tile"; entry = needsOf {
    "libpython3.12.so.1.0" = m; "libpython3.10.so.1.0" = m; }; } // lib.optionalAttrs (python != null) { inherit python; });
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
    # CUDA: the locked nvidia-* wheel's copy, not nixpkgs' unfree cudaPackages (which this stand-in has)
    cudaFromWheel = needsLib.classify "libcublas.so.12" { use = "module"; wheel = "nvidia-cublas-cu12"; };
    freeBeforeWheel = needsLib.classify "libz.so.1" { use = "module"; wheel = "milvus-lite"; };
    manylinuxBeforeWheel = needsLib.classify "libgcc_s.so.1" { use = "module"; wheel = "milvus-lite"; };
    tbbOnOldNixpkgs = (import ../../../lib/needs.nix { inherit lib; pkgs = pkgs' // { tbb_2022 = null; tbb = standIn "tbb"; }; }).classify "libtbb.so.12" { use = "module"; };
    # on a nixpkgs without cudaPackages_12 (the stand-in has one, built from NVIDIA's redistributables)
    moduleUnfreeMissing = (import ../../../lib/needs.nix { inherit lib; pkgs = removeAttrs pkgs' [ "cudaPackages_12" ]; }).classify "libcublas.so.12" { use = "module"; };
  };
  plain = { buildInputs = inputs plain.buildInputs; needs = plain.passthru.machNix.needs; };
  ffmpeg = {
    seven = { buildInputs = inputs ffmpeg7.buildInputs; alternatives = lib.sort (a: b: a < b) ffmpeg7.alternatives;
              ignoreMissing = lib.sort (a: b: a < b) ffmpeg7.ignoreMissing; };
    six = { buildInputs = inputs ffmpeg6.buildInputs; inherit (ffmpeg6) alternatives; };
    none = (builtins.tryEval noFfmpeg.buildInputs).success;
    # the 26.11 stand-in's `ffmpeg_5` is a removed alias that throws: absent, not an evaluation error
    removedAlias = needsLib.classify "libavutil.so.57" m;
  };
  interpreter = {
    given = (cudaTile python312).buildInputs == [ python312 ];
    inherit (cudaTile python312) otherInterpreters ignoreMissing;
    withoutPython = (builtins.tryEval (cudaTile null).buildInputs).success;
  };
  torchFallback = {
    withoutNeeds = (fixes.forPackage { name = "torch"; version = "2.5.1"; provider = "wheel"; }).autoPatchelfIgnoreMissingDeps;
    withNeeds = (fixes.forPackage { name = "torch"; version = "2.5.1"; provider = "wheel"; hasNeeds = true; }).autoPatchelfIgnoreMissingDeps;
  };
}
