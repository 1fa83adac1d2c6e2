# The shim follows nixpkgs' documented semantics (evaluation only).
with import ../common.nix { };
let
  u = "https://files.pythonhosted.org/packages/aa/bb/x-1.0-py3-none-any.whl";
  h = "0000000000000000000000000000000000000000000000000000";
  ps = pkgs.python3.pkgs;
  over1 = pkgs.python3.override { packageOverrides = f: p: { a-marker = p.certifi; }; };
  # A new packageOverrides replaces the old one (the documented pitfall).
  over2 = over1.override { packageOverrides = f: p: { b-marker = p.certifi; }; };
  # pythonPackagesExtensions apply before packageOverrides.
  withExt = import ../../nixpkgs-shim { overlays = [ (f: p: { pythonPackagesExtensions = [ (pf: pp: { certifi = pp.certifi.overridePythonAttrs { version = "ext"; }; }) ]; }) ]; };
  extThenOverride = (withExt.python3.override { packageOverrides = f: p: { seen = p.certifi.version; }; }).pkgs.seen;
in
{
  fetchurlNames = [
    (pkgs.fetchurl { url = u; sha256 = h; }).name
    (pkgs.fetchurl { url = u; sha256 = h; name = "given"; }).name
    (pkgs.fetchurl { url = u; sha256 = h; pname = "p"; version = "1"; }).name
    (pkgs.fetchurl { urls = [ u ]; sha256 = h; showURLs = true; }).name
  ];
  fetchurlPassthru = (pkgs.fetchurl { url = u; sha256 = h; }).url;
  wheelOutputs = ps.certifi.outputs;
  wheelName = ps.certifi.name;
  wheelHooks = map (d: d.name) ps.certifi.nativeBuildInputs;
  pyprojectHooks = map (d: d.name) ps.idna.nativeBuildInputs;
  passthruBuildSystem = map nameOf ps.idna.passthru.build-system;
  requiredModules = map nameOf (ps.requiredPythonModules [ ps.requests pkgs.glibc ]);
  overrides = { a1 = over1.pkgs ? a-marker; a2 = over2.pkgs ? a-marker; b2 = over2.pkgs ? b-marker; };
  inherit extThenOverride;
  envName = (pkgs.python3.withPackages (p: [ p.certifi ])).name;
  envInterpreterIsEnv = let e = pkgs.python3.withPackages (p: [ p.certifi ]); in e.interpreter == "${e}/bin/${pkgs.python3.executable}";
  overridePythonAttrsChains = ((ps.certifi.overridePythonAttrs { version = "1"; }).overridePythonAttrs (o: { version = o.version + ".2"; })).version;
  interp = { inherit (pkgs.python3) pythonVersion sitePackages executable libPrefix pythonAttr implementation; atOwn = pkgs.python3.pythonAtLeast pkgs.python3.pythonVersion; olderOwn = pkgs.python3.pythonOlder pkgs.python3.pythonVersion; olderNext = pkgs.python3.pythonOlder "3.99"; };
}
