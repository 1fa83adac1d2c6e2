# Every nixpkgs attribute lib/ relies on (for nixpkgs R24.05 and later). tests/nixpkgs-shim provides
# exactly these; tests/nix/eval/interface.nix checks that each one exists there.
{
  # Top-level pkgs.*
  pkgs = [
    "lib" "stdenv" "fetchurl" "runCommand" "mkShell" "autoPatchelfHook" "python3" # and python3XY, the attribute named by python3.pythonAttr
    "pythonManylinuxPackages.manylinux1" "pythonManylinuxPackages.manylinux2010" "pythonManylinuxPackages.manylinux2014"
    "dockerTools.buildLayeredImage" # mkDockerImage
    "unzip" # a `{ url; hash; }` project source that is a .zip
    "autoAddDriverRunpath" # wheels whose overrides/ rule ignores a missing libcuda.so.1 (nixpkgs >= 24.05)
    "zlib" # overrides/packages.json names further attributes; each is looked up only when its rule applies
    "blas" "writeText" # numpy's passthru for a lock's numpy where nixpkgs' numpy gives none
  ];
  stdenv = [
    "hostPlatform.system" "hostPlatform.isLinux" "hostPlatform.isDarwin" "hostPlatform.libc"
    "hostPlatform.darwinSdkVersion" "cc.libc.version"
  ];
  # The interpreter (pkgs.python3 or the `python` argument).
  python = [
    "pythonVersion" "version" "implementation" "sitePackages" "interpreter" "pythonAttr" "pythonOlder"
    "pythonOnBuildForHost.interpreter" "pkgs" "withPackages" "buildEnv" "override"
  ];
  # Its package set: builders, and the packages of the `mach-nix` CLI.
  pythonPackages = [
    "buildPythonPackage" "buildPythonApplication"
    # a fresh sdist build: its locked build closure, then its dependency closure, first on PYTHONPATH (lib/sdist.nix)
    "makePythonPath" "requiredPythonModules" "python"
    "setuptools" "packaging" "resolvelib" "orjson" "lz4" "urllib3" # + tomli when Python < 3.11
  ];
  # Used on packages of the set: overridePythonAttrs (builder arguments: version, src, dependencies,
  # propagatedBuildInputs, build-system, nativeBuildInputs, buildInputs, format, pyproject, patches,
  # doCheck, passthru), pythonModule, pname, version; buildPythonPackage arguments pname, version,
  # src, format = "wheel" | pyproject = true, dependencies, build-system, nativeBuildInputs,
  # buildInputs, doCheck, dontStrip, preFixup, autoPatchelfIgnoreMissingDeps, passthru;
  # the env's buildEnv.override { extraLibs; ignoreCollisions; } and overrideAttrs (passthru).
  packageAttributes = [ "overridePythonAttrs" "pythonModule" "pname" "version" ];
  # lib.* functions (all in nixpkgs' lib since before R24.05).
  lib = [
    "all" "any" "attrByPath" "attrNames" "attrValues" "composeExtensions" "concatMap" "concatMapStrings" "concatMapStringsSep"
    "concatStringsSep" "elem" "elemAt" "escapeShellArg" "escapeShellArgs" "filter" "findFirst" "foldl'" "genAttrs" "hasInfix" "hasPrefix"
    "hasSuffix" "head" "isAttrs" "isDerivation" "isFunction" "isList" "isString" "last" "length" "listToAttrs"
    "mapAttrs" "mapAttrsToList" "nameValuePair" "optional" "optionalAttrs" "optionalString"
    "optionals" "removePrefix" "removeSuffix" "replaceStrings" "sort" "splitString" "subtractLists" "toLower" "unique"
  ];
  # overrides/sonames.json's attribute paths (nixpkgs master, checked as that file records): each is
  # looked up only when a lock's `needs` maps to it, the first one present of a soname's list wins, so
  # the stand-in has only those its scenarios use (tests/py/native/test_native_table.py keeps this list equal to the table's).
  sonames = [
    "at-spi2-core" "brotli" "bzip2" "cairo" "cudaPackages_12.cuda_cudart" "cudaPackages_12.cuda_cupti"
    "cudaPackages_12.cuda_nvrtc" "cudaPackages_12.cudnn" "cudaPackages_12.libcublas"
    "cudaPackages_12.libcufft" "cudaPackages_12.libcufile" "cudaPackages_12.libcurand"
    "cudaPackages_12.libcusolver" "cudaPackages_12.libcusparse" "cudaPackages_12.libcusparse_lt"
    "cudaPackages_12.libcutensor" "cudaPackages_12.libnvjitlink" "cudaPackages_12.nccl"
    "cudaPackages_12_6.cuda_nvtx" "cudaPackages_12_8.cuda_nvtx" "cudaPackages_13.cuda_cudart"
    "cudaPackages_13.cuda_cupti" "cudaPackages_13.cuda_nvrtc" "cudaPackages_13.libcublas"
    "cudaPackages_13.libcufft" "cudaPackages_13.libcusolver" "cudaPackages_13.libnpp"
    "cudaPackages_13.libnvjitlink" "cudaPackages_13.libnvshmem" "cups" "curl" "dbus" "expat" "ffmpeg_4"
    "ffmpeg_5" "ffmpeg_6" "ffmpeg_7" "ffmpeg_8" "flite" "fontconfig" "freetype" "gdk-pixbuf"
    "gfortran.cc.lib" "glib" "gst_all_1.gst-plugins-bad" "gst_all_1.gst-plugins-base"
    "gst_all_1.gstreamer" "gtk3" "harfbuzz" "krb5" "libdrm" "libfabric" "libfido2" "libglvnd" "libheif"
    "libkrb5" "libpq" "libpulseaudio" "libsecret" "libsoup_3" "libtiff" "libuuid" "libwebp" "libx11"
    "libxcb" "libxcb-cursor" "libxcb-image" "libxcb-keysyms" "libxcb-render-util" "libxcb-util"
    "libxcb-wm" "libxcrypt" "libxkbcommon" "libxrandr" "mpi" "ncurses" "ncurses5" "numactl" "openssl"
    "p11-kit" "pango" "pcsclite" "pmix" "postgresql" "pulseaudio" "rdma-core" "sox" "speechd"
    "stdenv.cc.cc.lib" "tbb" "tbb_2022" "ucx" "unixODBC" "wayland" "webkitgtk_4_1" "xorg.libX11"
    "xorg.libxcb" "xorg.libXrandr" "xorg.xcbutil" "xorg.xcbutilcursor" "xorg.xcbutilimage"
    "xorg.xcbutilkeysyms" "xorg.xcbutilrenderutil" "xorg.xcbutilwm" "z3" "zlib" "zstd"
  ];
  # overrides/external.json's attribute paths (PEP 725 DepURLs of sdists' [external] tables, checked
  # as that file records) are looked up only when a locked sdist's `external` names them; one this
  # nixpkgs lacks is skipped with a warning (lib/external.nix), so the stand-in needs only those its tests use.
  # builtins, all present in Nix 2.8: compareVersions fromJSON fromTOML genericClosure getEnv hashString
  # intersectAttrs isPath listToAttrs match path pathExists readFile split storeDir toJSON trace
  # tryEval unsafeDiscardStringContext.
}
