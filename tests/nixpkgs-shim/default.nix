# nixpkgs-shim: an honest stand-in for the slice of nixpkgs that mach-nix's lib/ uses, built from the
# host's Python and Debian tools (no nixpkgs, no binary cache on this machine). Same entry point as
# nixpkgs: `import ./tests/nixpkgs-shim { system ? builtins.currentSystem; overlays ? [ ]; }`.
# See README.md beside this file for what is faithful and what is simplified.
{ system ? builtins.currentSystem
, overlays ? [ ]
, config ? { }
  # The host interpreter the shim's python3 wraps (a venv of it), and its exact version
  # (default: host.json, written by probe-host.py).
, hostPython ? null
, hostPythonVersion ? null
  # The nixpkgs release modelled: its build machinery's versions and release-dependent behaviour
  # come from python/releases/<release>.json. Default: the current stable release.
, release ? "26.11"
  # R24.05–R25.05 default a missing `format` to setuptools; R25.11 throws. Default (null): the
  # release's own behaviour.
, formatDefaultSetuptools ? null
  # What `stdenv.cc.libc.version` reports (major.minor of the host glibc; default: host.json).
, glibcVersion ? null
, ...
}:
let
  lib = import ./lib.nix;
  # Facts of this host (Python version, glibc), read from the host by probe-host.py: no builtin can
  # run a program at evaluation time, and pure evaluation (flakes) may not read the host's files.
  host =
    if builtins.pathExists ./host.json then lib.fromJSON (lib.readFile ./host.json)
    else throw "nixpkgs-shim: ${toString ./.}/host.json is missing; write it with `/usr/bin/python3 ${toString ./probe-host.py}` (.ci/setup-nix.sh and the Nix tests do).";
  bootstrap = import ./bootstrap { inherit lib system; host = host // { inherit glibc; python = pythonFull; } // lib.optionalAttrs (hostPython != null) { inherit hostPython; }; };
  # The interpreter every stand-in builder runs: the host's, imported into the store.
  hostPy = "${bootstrap.python}/bin/python${lib.elemAt pyVer 0}.${lib.elemAt pyVer 1}";
  pythonFull = if hostPythonVersion != null then hostPythonVersion else host.python;
  glibc = if glibcVersion != null then glibcVersion else host.glibc;
  pyVer = lib.splitString "." pythonFull;
  releases = map (f: lib.removeSuffix ".json" f) (lib.attrNames (builtins.readDir ./python/releases));
  releaseTable =
    if lib.elem release releases then lib.fromJSON (lib.readFile (./python/releases + "/${release}.json"))
    else throw "nixpkgs-shim: no release ${toString release}; the stand-in models ${lib.concatStringsSep ", " releases} (python/releases/).";
  formatDefault = if formatDefaultSetuptools != null then formatDefaultSetuptools else releaseTable.formatDefaultSetuptools;
  # python311, python312, python313, … after the host's interpreter, as nixpkgs names them.
  pythonAttr = "python${lib.elemAt pyVer 0}${lib.elemAt pyVer 1}";
  parts = lib.splitString "-" system;
  cpu = lib.head parts;
  kernel = lib.elemAt parts 1;
  hostPlatform = {
    inherit system;
    config = "${cpu}-unknown-${kernel}-gnu";
    isLinux = kernel == "linux";
    isDarwin = kernel == "darwin";
    isx86_64 = cpu == "x86_64";
    isAarch64 = cpu == "aarch64";
    parsed = { cpu.name = cpu; kernel.name = kernel; };
    libc = if kernel == "darwin" then "libSystem" else "glibc";
    darwinSdkVersion = "11.3";
    darwinMinVersion = "11.3";
    darwinMinVersionVariable = "MACOSX_DEPLOYMENT_TARGET";
  };
  hostLibDir = "/lib/${host.multiarch}";
  # Debian's run-time library packages (libssl3, libssl3t64, libldap-2.5-0, libldap2, libmagic1t64),
  # and krb5-multidev (where libkrb5-dev keeps krb5's headers); never glibc's own.
  runtimeLibraries = "(?!libc6$)lib[a-z0-9.+-]*[0-9](t64)?|libldap2|zlib1g|krb5-multidev";

  base = final: let
    callPackage = lib.callPackageWith final;
    inherit (final) stdenv runCommand;
    # A library the host (Debian) provides, as a package with lib/<soname>.
    # (imported into the store with the libraries they need; see bootstrap/).
    # Their `*-config` scripts (krb5-config) come along, naming store paths.
    # Named by their -dev packages; the run-time libraries they depend on come along (Debian 12 and
    # 13 name those differently: libssl3 / libssl3t64), found through the dependencies.
    nativeLibrary = name: debs: nativeLibraryWith { inherit name debs; };
    nativeLibraryWith = { name, debs, followDeps ? runtimeLibraries, mustExist ? [ ] }: bootstrap.importHost {
      inherit name debs followDeps mustExist;
      exclude = [ "^/usr/share/(?!pkgconfig)" "^/usr/bin/(?!krb5-config$)" "^/usr/sbin/" "^/etc/" ];
    };
    hostLibrary = name: sonames: bootstrap.importHost {
      inherit name;
      paths = map (s: "${hostLibDir}/${s}") sonames;
      mustExist = map (s: "lib/${s}") sonames;
    };
  in {
    inherit lib system config;
    pkgs = final;
    stdenv = import ./stdenv { inherit lib system hostPlatform config; inherit (bootstrap) tools; cc = final.gccWrapper; };
    stdenvNoCC = import ./stdenv { inherit lib system hostPlatform config; inherit (bootstrap) tools; };
    gccWrapper = import ./bootstrap/cc-wrapper.nix { inherit system; inherit (bootstrap) tools gcc glibc loader; };
    callPackage = callPackage;
    fetchurl = import ./build-support/fetchurl.nix {
      inherit lib; stdenvNoCC = final.stdenvNoCC; cacertFile = "${bootstrap.tools}/etc/ssl/certs/ca-certificates.crt";
    };
    inherit (import ./build-support/trivial.nix { inherit lib; inherit (final) stdenv stdenvNoCC; })
      runCommand runCommandNoCC runCommandLocal runCommandCC runCommandWith writeText writeTextFile
      writeShellScript symlinkJoin makeSetupHook;

    mkShell = { name ? "nix-shell", packages ? [ ], inputsFrom ? [ ], buildInputs ? [ ], nativeBuildInputs ? [ ]
              , propagatedBuildInputs ? [ ], propagatedNativeBuildInputs ? [ ], shellHook ? "", ... }@attrs:
      let
        mergeInputs = n: (attrs.${n} or [ ]) ++ lib.subtractLists inputsFrom (lib.concatMap (d: d.${n} or [ ]) inputsFrom);
      in
      stdenv.mkDerivation (removeAttrs attrs [ "packages" "inputsFrom" ] // {
        inherit name;
        buildInputs = mergeInputs "buildInputs";
        nativeBuildInputs = packages ++ mergeInputs "nativeBuildInputs";
        propagatedBuildInputs = mergeInputs "propagatedBuildInputs";
        propagatedNativeBuildInputs = mergeInputs "propagatedNativeBuildInputs";
        shellHook = lib.concatStringsSep "\n" (lib.catAttrs "shellHook" (lib.reverseList inputsFrom ++ [ attrs ]));
        phases = [ "buildPhase" ];
        buildPhase = ''{ echo "------------------------------------------------------------"; echo " WARNING: the existence of this path is not guaranteed."; echo "------------------------------------------------------------"; echo; export; } >> "$out"'';
        preferLocalBuild = true;
      });

    # Host libraries under their nixpkgs attribute names. nixpkgs' glibc has no libcrypt.so.1
    # (libxcrypt has it), so neither has this one.
    glibc = bootstrap.glibc;
    # ncurses' ABI 5 libraries: Debian 12 has them in libncursesw5 (installed by .ci/setup-nix.sh),
    # Debian 13 not at all; without them a wheel that needs them fails in autoPatchelf, as it would
    # with nixpkgs' manylinux1 set missing.
    ncurses5 = bootstrap.importHost {
      name = "ncurses5";
      optionalPaths = map (s: "${hostLibDir}/${s}") [ "libncursesw.so.5" "libpanelw.so.5" ];
    };
    gcc-unwrapped-lib = hostLibrary "gcc-lib" [ "libstdc++.so.6" "libgcc_s.so.1" ];
    # Native libraries of Python recipes, with nixpkgs' attribute names: headers, libraries and
    # pkg-config files of the host's Debian packages, imported into the store (bootstrap/). A build
    # sees them only when it declares them.
    zlib = nativeLibraryWith { name = "zlib"; debs = [ "zlib1g-dev" ]; mustExist = [ "lib/libz.so.1" "include/zlib.h" ]; };
    openssl = nativeLibrary "openssl" [ "libssl-dev" ];
    libffi = nativeLibrary "libffi" [ "libffi-dev" ];
    # nixpkgs (2025-): `libpq` without bin/pg_config in its outputs; the tool is `libpq.pg_config`, a
    # script that prints the package's own directories (pkgs/servers/sql/postgresql/pg_config.sh).
    libpq = let lib' = nativeLibrary "libpq" [ "libpq-dev" ]; in lib' // { pg_config = final.pgConfigOf lib'; };
    # nixpkgs' pkg-config wrapper: the tool, and a setup hook that adds the pkgconfig directories of
    # the derivation's buildInputs to PKG_CONFIG_PATH (pkgconf's own default directories are the
    # host's, absent in the sandbox).
    pkg-config = runCommand "pkg-config-wrapper" {
      setupHookScript = builtins.toFile "pkg-config-setup-hook.sh" ''
        pkgConfigWrapper_addPkgConfigPath() {
          case " ''${hostPkgs[*]:-} " in *" $1 "*) ;; *) return 0 ;; esac
          addToSearchPath PKG_CONFIG_PATH "$1/lib/pkgconfig"
          addToSearchPath PKG_CONFIG_PATH "$1/share/pkgconfig"
        }
        addEnvHooks "''${targetOffset:-1}" pkgConfigWrapper_addPkgConfigPath
      '';
    } ''
      mkdir -p $out/bin $out/nix-support
      ln -s ${bootstrap.pkg-config}/bin/pkg-config ${bootstrap.pkg-config}/bin/pkgconf $out/bin/
      cp $setupHookScript $out/nix-support/setup-hook
    '';
    # nixpkgs' `blas`/`lapack`: the interface packages with passthru `implementation` (numpy's
    # recipe passes it on as `numpy.blasImplementation`; scikit-learn builds against `numpy.blas`).
    blas = nativeLibrary "blas" [ "libblas-dev" ] // {
      implementation = "netlib"; isILP64 = false;
    };
    lapack = nativeLibrary "lapack" [ "liblapack-dev" ] // {
      implementation = "netlib"; isILP64 = false;
    };
    # The libraries of ../shared/bench/native/sdist-c.txt's recipes.
    libmysqlclient = nativeLibrary "mariadb-connector-c" [ "libmariadb-dev" "libmariadb-dev-compat" ];
    openldap = nativeLibrary "openldap" [ "libldap-dev" ];
    cyrus_sasl = nativeLibrary "cyrus-sasl" [ "libsasl2-dev" ];
    krb5 = nativeLibrary "krb5" [ "libkrb5-dev" "comerr-dev" ];  # nixpkgs' krb5 carries its own com_err
    file = nativeLibrary "file" [ "libmagic-dev" ];
    # numba's wheels link libtbb.so.12 (nixpkgs: `tbb`; newer releases also `tbb_2022`, which this
    # stand-in, like older nixpkgs, lacks).
    tbb = nativeLibrary "tbb" [ "libtbb-dev" ];
    # cairo's pkg-config file requires those of its dependencies (pixman, freetype, fontconfig,
    # libpng, xcb, …): nixpkgs propagates their dev outputs; here they come with the import.
    cairo = nativeLibraryWith { name = "cairo"; debs = [ "libcairo2-dev" ];
      followDeps = "${runtimeLibraries}|(lib(?!c6?-dev$)[a-z0-9.+-]*|zlib1g|uuid|x11proto[a-z0-9-]*)-dev"; };
    # `postgresql` likewise: no bin/pg_config in `out` since nixpkgs 25.05; `postgresql.pg_config`.
    postgresql = final.libpq // { pname = "postgresql"; };
    pgConfigOf = libpq: runCommand "libpq-pg_config" { inherit libpq; } ''
      mkdir -p $out/bin
      version=$(sed -n 's/.*"libpq-dev": *"\([0-9.]*\).*/\1/p' $libpq/nix-support/deb-versions.json)
      cat > $out/bin/pg_config <<SH
      #!${stdenv.shell}
      for a in "\$@"; do
        case "\$a" in
          --includedir|--pkgincludedir) echo $libpq/include/postgresql ;;
          --includedir-server) echo $libpq/include/postgresql/server ;;
          --libdir) echo $libpq/lib ;;
          --pkglibdir) echo $libpq/lib/postgresql ;;
          --bindir) echo $out/bin ;;
          --version) echo "PostgreSQL $version" ;;
          --cppflags|--cflags|--cflags_sl|--ldflags_ex|--ldflags_sl) echo ;;
          --ldflags) echo -L$libpq/lib ;;
          --libs) echo -lpq ;;
          *) echo "pg_config: invalid argument: \$a" >&2; exit 1 ;;
        esac
      done
      SH
      chmod +x $out/bin/pg_config
    '';
    libGL = hostLibrary "libGL" [ "libGL.so.1" ];
    glib = hostLibrary "glib" [ "libglib-2.0.so.0" "libgobject-2.0.so.0" "libgthread-2.0.so.0" ];
    libxcrypt = hostLibrary "libxcrypt" [ "libcrypt.so.1" ];
    libxcb = hostLibrary "libxcb" [ "libxcb.so.1" ];  # nixpkgs: `libxcb` (newer), `xorg.libxcb`
    xorg = {
      libxcb = final.libxcb;
      libX11 = hostLibrary "libX11" [ "libX11.so.6" ];
      libXext = hostLibrary "libXext" [ "libXext.so.6" ];
      libXrender = hostLibrary "libXrender" [ "libXrender.so.1" ];
      libICE = hostLibrary "libICE" [ "libICE.so.6" ];
      libSM = hostLibrary "libSM" [ "libSM.so.6" ];
    };
    # nixpkgs: pkgs/development/interpreters/python/manylinux/default.nix (lists of library outputs).
    pythonManylinuxPackages = rec {
      manylinux2014 = [ final.glibc final.gcc-unwrapped-lib final.xorg.libX11 final.xorg.libXext final.xorg.libXrender
                        final.xorg.libICE final.xorg.libSM final.libGL final.glib ];
      manylinux2010 = manylinux2014;
      manylinux1 = manylinux2014 ++ [ final.ncurses5 final.libxcrypt ];
    };
    autoPatchelfHook = final.makeSetupHook {
      name = "auto-patchelf-hook";
      substitutions = {
        autoPatchelfPy = ./build-support/auto-patchelf.py;
        hostPython = hostPy;
        dynamicLinker = "${final.glibc}/lib/${bootstrap.loader}";
        libcDir = "${final.glibc}/lib";
      };
    } ./build-support/auto-patchelf.sh;
    addDriverRunpath = { driverLink = "/run/opengl-driver"; };
    autoAddDriverRunpath = final.makeSetupHook {
      name = "auto-add-driver-runpath-hook";
      substitutions = { inherit (final.addDriverRunpath) driverLink; };
    } ./build-support/add-driver-runpath.sh;
    cudaPackages_12 = import ./build-support/cuda-packages.nix {
      inherit lib; inherit (final) stdenvNoCC fetchurl unzip autoPatchelfHook gcc-unwrapped-lib zlib;
    };
    # Build tools (nixpkgs: ninja, the native one meson-python runs).
    ninja = bootstrap.importHost { name = "ninja-1.11"; debs = [ "ninja-build" ]; only = [ "^/usr/bin/" ]; mustExist = [ "bin/ninja" ]; };
    # The Rust compilers by nixpkgs' derivation names (the stand-in cannot build Rust: they are
    # here for recipes to name, as nixpkgs' Rust-extension recipes do).
    cargo = runCommand "cargo-1.83.0" { } "mkdir -p $out/bin";
    rustc = runCommand "rustc-wrapper-1.83.0" { } "mkdir -p $out/bin";
    rustPlatform = import ./build-support/rust.nix { inherit lib; inherit (final) runCommand makeSetupHook; };
    dockerTools = import ./build-support/docker-tools.nix { inherit lib; hostPython = hostPy; inherit (final) runCommand; };
    # The host's unzip as nixpkgs' package: bin/unzip and the setup hook that lets unpackPhase take
    # a .zip. Builders do not have it unless they declare it (stdenv's PATH lacks it, as nixpkgs').
    unzip = runCommand "unzip" { } ''
      mkdir -p $out/bin $out/nix-support
      ln -s ${bootstrap.tools}/bin/unzip $out/bin/unzip
      cp ${./build-support/unzip-setup-hook.sh} $out/nix-support/setup-hook
    '';

    # Wheels of the PyPA tools the Python hooks run (installer, build), unpacked: nixpkgs bootstraps
    # these the same way before its package set exists.
    pythonBootstrapTools = runCommand "python-bootstrap-tools" {
      nativeBuildInputs = [ final.unzip ];
      wheels = map (n: final.fetchurl releaseTable.packages.${n}.bootstrapWheel) [ "installer" "build" "pyproject-hooks" "packaging" ];
      passthru.bootstrapTree = true;
    } ''
      mkdir -p $out
      for w in $wheels; do unzip -qq -o "$w" -d $out; done
    '';

    pythonPackagesExtensions = [ ];
    ${pythonAttr} = lib.makeOverridable (import ./python/cpython.nix) {
      inherit lib pythonAttr;
      formatDefaultSetuptools = formatDefault;
      release = releaseTable;
      hostPython = hostPy;
      inherit (final) stdenv pkgs runCommand makeSetupHook fetchurl;
      sourceVersion = { major = lib.elemAt pyVer 0; minor = lib.elemAt pyVer 1; patch = lib.elemAt pyVer 2; suffix = ""; };
      self = final.${pythonAttr};
    };
    python3 = final.${pythonAttr};
    python3Packages = final.python3.pkgs;
  }
  # Removed packages, as aliases.nix keeps them: an attribute that throws when it is used, so that
  # `pkgs ? ffmpeg_5` holds and only evaluating it fails (the release's `removedAliases`).
  // lib.mapAttrs (_: message: throw message) (removeAttrs (releaseTable.removedAliases or { }) [ "_source" ]);
  pkgs = lib.fix (lib.foldl' (acc: overlay: lib.extends overlay acc) base overlays);
in pkgs
