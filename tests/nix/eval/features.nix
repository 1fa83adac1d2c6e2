# mkPython's options and the overlay's invariants (evaluation only).
with import ../common.nix { };
let
  pyOf = args: (machNix.mkPython args).passthru.python.pkgs;
  depNames = d: lib.sort (a: b: a < b) (map nameOf (lib.filter (x: x ? pname && x.pname != "python3") d.propagatedBuildInputs));
  sp = pyOf { lockFile = ../locks/host/scipy.json; };
  cyc = pyOf { lockFile = ../locks/host/cycle.json; };
  withHooks = machNix.mkPython {
    lockFile = ../locks/host/requests.json;
    overridesPre = [ (final: prev: { marker-pre = prev.certifi; }) ];
    overridesPost = final: prev: { six = prev.six.overridePythonAttrs (old: { pythonImportsCheck = [ "six" ]; }); };
    packagesExtra = ps: [ ps.packaging ];
    tests = true;
  };
  hp = withHooks.passthru.python.pkgs;
in
{
  # scipy is a non-pure wheel depending on numpy, another one: numpy's bundled libraries join
  # scipy's autoPatchelf search path (as nvidia-* wheels do for torch).
  scipyPreFixup = let d = builtins.unsafeDiscardStringContext; in
    lib.hasInfix (d "addAutoPatchelfSearchPath ${sp.numpy}/${pkgs.python3.sitePackages}") (d sp.scipy.drvAttrs.preFixup);
  numpyHasNoPreFixup = !(sp.numpy.drvAttrs ? preFixup);
  # Cycles (urllib3 -> requests -> urllib3, certifi <-> charset-normalizer) are cut, not recursed.
  cycleDeps = lib.genAttrs [ "requests" "urllib3" "certifi" "charset-normalizer" ] (n: depNames cyc.${n});
  cycleDrv = lib.hasSuffix ".drv" (machNix.mkPython { lockFile = ../locks/host/cycle.json; }).drvPath;
  # overridesPre runs before the lock's overlay, overridesPost after it.
  preSeen = hp.marker-pre.version;
  postImportsCheck = hp.six.drvAttrs.pythonImportsCheck;
  packagesExtra = map nameOf (withHooks.passthru.selectPkgs hp);
  testsOn = hp.six.drvAttrs.doInstallCheck;
  testsOff = (pyOf { lockFile = ../locks/host/requests.json; }).six.drvAttrs.doInstallCheck;
  # setuptools is never overridden unless it is a root: the shim's own derivation is kept.
  setuptoolsKept = hp.setuptools.drvPath == pkgs.python3.pkgs.setuptools.drvPath;
  providersArg = (import ../../../lib/resolve.nix { inherit lib pkgs; }).providersArg { _default = "wheel,sdist"; numpy = [ "nixpkgs" ]; };
  overlayApplies = let p = import ../../nixpkgs-shim { overlays = [ (machNix.mkOverlay { lockFile = ../locks/host/requests.json; }) ]; }; in
    { pythonXY = p.${pkgs.python3.pythonAttr}.pkgs.requests.version; python3 = p.python3.pkgs.requests.version; };
  ignoreCollisions = [
    (machNix.mkPython { lockFile = ../locks/host/requests.json; ignoreCollisions = true; }).drvAttrs.ignoreCollisions
    (machNix.mkPython { lockFile = ../locks/host/requests.json; }).drvAttrs.ignoreCollisions
  ];
  # A build requirement the set keeps at another version is built from the lock for the sdist only
  # (on 24.05, whose flit-core is older than the lock's 3.12.0; 26.11 has 3.12.0 itself).
  sideBuildTool =
    let
      machNix2405 = import ../../.. { pkgs = import ../../nixpkgs-shim { release = "24.05"; }; pypiData = ../../data/index-small; };
      p = (machNix2405.mkPython { lockFile = ../locks/host/idna-newer-flit.json; }).passthru.python.pkgs;
    in
    { set = p.flit-core.version; idnaBuildSystem = map (d: d.version) p.idna.passthru.build-system; };
  resolveFn = (machNix.resolve { lockFile = ../locks/host/requests.json; }).roots;
}
