# What a locked sdist's PEP 725 `external` (issue 20, point 5) makes of its fresh build, through
# overrides/external.json, on the shim (evaluation only: nothing is built). `six` in requests.json is
# built fresh (the shim's `six` is a throwing alias, so there is no recipe to take inputs from).
with import ../common.nix { };
let
  base = importJSON ../locks/host/requests.json;
  sixWith = extra: (machNix.mkPython {
    lockFile = builtins.toFile "external-lock.json" (builtins.toJSON (base // { packages = base.packages // { six = base.packages.six // extra; }; }));
  }).passthru.python.pkgs.six;
  six = sixWith {
    extras = [ "tiff" ];
    external = {
      build-requires = [
        "dep:virtual/compiler/c"                          # the stdenv compiler: nothing to add
        "dep:generic/pkg-config"                          # mapped: a native build input
        "dep:generic/XCB; platform_system == 'Windows'"   # marker false here: left out
        "dep:generic/not-in-the-table"                    # unmapped: skipped, with a warning
      ];
      host-requires = [
        "dep:generic/openssl@>=3"                         # the version does not change the key
        "dep:generic/libffi; sys_platform == 'linux'"     # marker true on Linux
        "dep:pypi/cffi"                                   # a Python distribution: the lock's business
      ];
      optional-host-requires = { tiff = [ "dep:generic/zlib" ]; other = [ "dep:generic/libwebp" ]; };  # only active extras
      dependencies = [ "dep:generic/git" ];               # run time: recorded, not mapped
    };
  };
  plain = sixWith { };
  names = ds: lib.sort (a: b: a < b) (map nameOf ds);
  added = field: names (lib.filter (d: !(lib.elem d plain.${field})) six.${field});
  ext = import ../../../lib/external.nix { inherit lib pkgs; };
  rusty = sixWith { external.build-requires = [ "dep:virtual/compiler/rust" ]; };
in
{
  nativeBuildInputs = added "nativeBuildInputs";
  buildInputs = added "buildInputs";
  plainBuildInputs = names plain.buildInputs;
  # A table that maps nothing (run-time dependencies only) leaves the derivation as it is without one.
  runtimeOnlySameDrv = (sixWith { external.dependencies = [ "dep:generic/git" ]; }).drvPath == plain.drvPath;
  parse = [
    (ext.parse "dep:generic/openssl@>=3; sys_platform == 'linux'")
    (ext.parse "dep:virtual/interface/lapack@>=3.7.1")
    (ext.parse "dep:generic/XCB")
    (ext.parse "dep:github/AbiWord/enchant?tag=x#sub")
  ];
  # Rust in [external] is refused like maturin: the attributes stay readable, the build is not.
  rustRefused = (builtins.tryEval rusty.drvPath).success;
}
