# lib/'s pure helpers: names, version conditions, wheel tags, graph, targets.
with import ../common.nix { };
{
  normalize = map names.normalize [ "Typing_Extensions" "zope.interface" "A--B__c" "requests" ];
  versionConditions = map (c: versions.matches c "2.9.1") [ "" ">=2.9" ">=2.9,<3" "<2.9" "==2.9.1" "!=2.9.1" ">2.10" ];
  manylinux = map (tags: wheel.manylinuxSet { wheel_tags = tags; }) [
    [ "cp311-cp311-manylinux_2_17_x86_64" "cp311-cp311-manylinux2014_x86_64" ]
    [ "cp311-cp311-manylinux_2_28_x86_64" ]
    [ "cp37-abi3-manylinux_2_12_x86_64" "cp37-abi3-manylinux2010_x86_64" ]
    [ "cp39-cp39-manylinux1_x86_64" ]
    [ "py3-none-any" ]
    [ "cp311-cp311-macosx_11_0_arm64" ]
  ];
  pure = map (tags: wheel.isPure { wheel_tags = tags; }) [ [ "py3-none-any" ] [ "py2-none-any" "py3-none-any" ] [ "cp311-abi3-manylinux_2_17_x86_64" ] ];
  acyclic = graph.acyclic { roots = [ "a" ]; deps = { a = [ "b" ]; b = [ "c" "a" ]; c = [ "b" "d" ]; d = [ ]; e = [ "e" ]; }; };
  closure = graph.closure { a = [ "b" ]; b = [ "c" ]; c = [ ]; } "a";
  shimTarget = target.fromPython { python = pkgs.python3; inherit (pkgs) stdenv; };
  mismatchesOk = target.mismatches { python = pkgs.python3.pythonVersion; system = "x86_64-linux"; glibc = "2.28"; } (target.fromPython { python = pkgs.python3; inherit (pkgs) stdenv; });
  mismatchesBad = target.mismatches { python = "3.12"; system = "aarch64-linux"; glibc = "2.40"; } (target.fromPython { python = pkgs.python3; inherit (pkgs) stdenv; });
  darwinTarget = let d = import ../../nixpkgs-shim { system = "aarch64-darwin"; }; in target.fromPython { python = d.python3; inherit (d) stdenv; };
  # The projects a failed resolution's structured failure says no index layer has (lib/resolve.nix):
  # one, several, none for a conflict, none for a crash that left only a message, none for a lock.
  absentProjects = map (import ../../../lib/resolve.nix { inherit lib pkgs; }).absentProjects [
    { error = "'furo' is not in …"; failure = { kind = "absent"; absent_projects = [ "furo" ]; absent_releases = [ ]; }; }
    { error = "2 projects are not in …"; failure = { kind = "absent"; absent_projects = [ "a.b" "zz" ]; }; }
    { error = "No set of packages satisfies … 'requests' is not in …"; failure = { kind = "conflict"; absent_projects = [ ]; }; }
    { error = "error: internal error in mach-nix"; }
    { lock_version = 1; packages = { }; }
  ];
  lockArgs = target.lockArgs (target.fromPython { python = pkgs.python3; inherit (pkgs) stdenv; });
}
