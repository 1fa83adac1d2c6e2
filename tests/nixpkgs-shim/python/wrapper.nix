# python.buildEnv (nixpkgs: interpreters/python/wrapper.nix): a venv of the same interpreter whose
# site-packages and bin are a symlink forest of the required modules; collisions fail.
{ lib, stdenv, runCommand, hostPython, python }:
{ extraLibs ? [ ], extraOutputsToInstall ? [ ], postBuild ? "", ignoreCollisions ? false
, permitUserSite ? false, makeWrapperArgs ? [ ]
}:
let
  paths = python.pkgs.requiredPythonModules (extraLibs ++ [ python ]);
  env = runCommand "${python.name}-env" {
    paths = lib.filter (p: p != python) paths;
    inherit ignoreCollisions postBuild permitUserSite;
    passthru = python.passthru // {
      interpreter = "${env}/bin/${python.executable}";
      inherit python;
      env = stdenv.mkDerivation {
        name = "interactive-${python.name}-environment";
        nativeBuildInputs = [ env ];
        buildCommand = ''
          echo >&2 ""
          echo >&2 "*** Python 'env' attributes are intended for interactive nix-shell sessions, not for building! ***"
          echo >&2 ""
          exit 1
        '';
      };
    };
  } ''
    ${hostPython} -m venv --without-pip $out
    rm -f $out/bin/activate* $out/bin/Activate.ps1
    [ -e $out/bin/${python.executable} ] || ln -s python3 $out/bin/${python.executable}
    ${hostPython} ${./build-env.py} "$out" "''${ignoreCollisions:+1}" $paths
    if [ -z "$permitUserSite" ]; then echo "include-system-site-packages = false" >> $out/pyvenv.cfg; fi
    eval "$postBuild"
  '';
in env
