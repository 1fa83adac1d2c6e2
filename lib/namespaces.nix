# Namespace packages: distributions of one namespace (zope.*, backports.*, google.*) that each ship
# a namespace-declaring __init__.py collide in an environment when the files differ. Every package
# the overlay builds drops such files (drop-namespace-inits.py), as nixpkgs' pythonNamespacesHook
# does for the names a recipe lists.
{ lib }:
let
  # The script's text, not its path: `mach-nix gen` bundles lib/ into one file.
  script = builtins.toFile "drop-namespace-inits.py" (builtins.readFile ./drop-namespace-inits.py);
in
{
  /* dropInits :: python -> string
     A postFixup snippet for a Python package build of `python`'s set.
     Example: dropInits python == "…/bin/python3.11 …/drop-namespace-inits.py $out/lib/python3.11/site-packages\n"
  */
  dropInits = python: ''
    ${python.pythonOnBuildForHost.interpreter} ${script} "$out/${python.sitePackages}"
  '';
}
