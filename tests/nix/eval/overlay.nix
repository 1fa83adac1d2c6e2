# What the overlay makes of the committed locks, on the shim (evaluation only, nothing is built).
with import ../common.nix { };
let
  env = machNix.mkPython { lockFile = ../locks/host/requests.json; };
  ps = env.passthru.python.pkgs;
  np = (machNix.mkPython { lockFile = ../locks/host/numpy.json; }).passthru.python.pkgs;
  names' = ds: lib.sort (a: b: a < b) (map nameOf ds);
  # The same lock, but requests taken from nixpkgs (the shim has 2.28.1) with resolved dependencies.
  fromNixpkgs = (machNix.mkPython {
    lockFile = ../locks/host/requests-nixpkgs.json;
  }).passthru.python.pkgs;
  depVersions = d: map (x: "${x.pname}-${x.version}") (lib.sort (a: b: a.pname < b.pname) (lib.filter (x: x ? pname && x.pname != "python3") d.propagatedBuildInputs));
in
{
  versions = lib.mapAttrs (n: _: ps.${n}.version) (importJSON ../locks/host/requests.json).packages;
  # idna: the shim's own expression (sdist, pyproject, flit-core) overridden to the locked sdist.
  idna = { inherit (ps.idna) version; src = ps.idna.src.name; machNix = ps.idna.passthru.machNix; buildSystem = names' ps.idna.passthru.build-system; };
  # six: the shim's attribute is an alias that throws; mach-nix builds it fresh.
  six = { inherit (ps.six) version; src = ps.six.src.name; base = ps.six.passthru.machNix.base; };
  requestsDeps = depVersions ps.requests;
  roots = map nameOf (env.passthru.selectPkgs ps);
  envName = env.name;
  # manylinux: non-pure wheels get autoPatchelfHook and the set matching their tag; pure ones do not.
  numpy = {
    hasAutoPatchelf = lib.any (d: lib.hasPrefix "auto-patchelf-hook" d.name) np.numpy.nativeBuildInputs;
    manylinux = np.numpy.passthru.machNix.manylinux;
    buildInputs = map nameOf np.numpy.buildInputs;
    dontStrip = np.numpy.drvAttrs.dontStrip;
    format = np.numpy.passthru.machNix.provider;
  };
  certifi = {
    hasAutoPatchelf = lib.any (d: lib.hasPrefix "auto-patchelf-hook" d.name) np.certifi.nativeBuildInputs;
    buildInputs = map nameOf np.certifi.buildInputs;
  };
  charsetNormalizerManylinux = ps.charset-normalizer.passthru.machNix.manylinux;
  nixpkgsProvider = { version = fromNixpkgs.requests.version; deps = depVersions fromNixpkgs.requests; };
  # The shim keeps nixpkgs' semantics: `rec` expressions keep their src when only version changes.
  recVersionOnly = let o = pkgs.python3.pkgs.requests.overridePythonAttrs { version = "9.9.9"; }; in { inherit (o) version; src = o.src.name; };
}
