# The stand-in's bootstrap: the host's (Debian's) tools, compiler, C library and interpreter imported
# once into the store, as nixpkgs unpacks its bootstrap tools. These imports are the only
# derivations that see the host (`__noChroot`, so Nix needs `sandbox = relaxed`); every other
# build of the stand-in runs in Nix's sandbox on store paths alone: no /usr, no host PATH, no
# network outside fixed-output derivations. See import-host.py for what an import does.
{ lib, system, host }:
let
  inherit (host) multiarch;
  cpu = lib.head (lib.splitString "-" system);
  loader = if cpu == "x86_64" then "ld-linux-x86-64.so.2" else "ld-linux-${cpu}.so.1";
  pyMM = let v = lib.splitString "." host.python; in "${lib.elemAt v 0}.${lib.elemAt v 1}";
  # What glibc itself provides: never copied into another package.
  glibcSonames = [ loader "libc.so.6" "libm.so.6" "libdl.so.2" "librt.so.1" "libpthread.so.0" "libutil.so.1"
    "libresolv.so.2" "libanl.so.1" "libmvec.so.1" "libnsl.so.1" "libnss_dns.so.2" "libnss_files.so.2"
    "libBrokenLocale.so.1" "libthread_db.so.1" "libc_malloc_debug.so.0" "linux-vdso.so.1" ];

  # importHost :: { name, debs?, only?, exclude?, followDeps?, paths?, links?, mustExist?, rpathDeps?, passthru? } -> derivation
  #   debs: Debian packages whose files are taken (`only`/`exclude`: regexes over their host paths);
  #   followDeps: a regex of dependency names to take too (Debian's versioned compiler packages);
  #   paths: extra host files or directories (optionalPaths: taken where the host has them); links: { "bin/sh" = "bash"; } symlinks to add;
  #   mustExist: paths below $out the import must produce; rpathDeps: other imports it links against.
  # Example: importHost { name = "zlib"; debs = [ "zlib1g" "zlib1g-dev" ]; }
  importHost = { name, debs ? [ ], only ? [ ], exclude ? [ ], followDeps ? null, paths ? [ ], optionalPaths ? [ ], links ? { }
               , mustExist ? [ ], rpathDeps ? [ ], passthru ? { }, isGlibc ? false, selfBash ? false }:
    let
      drv = derivation {
        inherit name system;
        builder = host.hostPython;
        args = [ ./import-host.py ];
        __noChroot = true;
        PATH = "/usr/bin:/bin:/usr/sbin:/sbin";
        spec = builtins.toJSON ({
          inherit name debs only exclude paths optionalPaths links mustExist isGlibc multiarch loader glibcSonames;
          rpathDeps = map toString rpathDeps;
          glibc = if isGlibc then null else "${glibc}";
          bash = if isGlibc then null else if selfBash then "self" else "${tools}";
        } // lib.optionalAttrs (followDeps != null) { inherit followDeps; });
      };
    in drv // { dev = drv; out = drv; } // passthru;

  share = "^/usr/share/";

  # nixpkgs' glibc: the C library, its headers (with the kernel's) and start files; no libcrypt.
  glibc = importHost {
    name = "glibc-${host.glibc}";
    debs = [ "libc6" "libc6-dev" "linux-libc-dev" ];
    exclude = [ share "^/etc/" ];
    isGlibc = true;
    mustExist = [ "lib/${loader}" "lib/libc.so.6" "lib/crt1.o" "include/stdio.h" ];
    passthru = { pname = "glibc"; version = host.glibc; };
  };

  # The tools every builder has on PATH (nixpkgs' stdenv: coreutils, findutils, diffutils, sed, grep,
  # gawk, gnutar, gzip, bzip2, xz, gnumake, bash, patch), with unzip, patchelf and curl (for fetchurl).
  tools = importHost {
    name = "bootstrap-tools";
    debs = [ "bash" "coreutils" "sed" "grep" "mawk" "findutils" "diffutils" "tar" "gzip" "bzip2" "xz-utils"
             "unzip" "patch" "patchelf" "curl" "make" ];
    only = [ "^/(usr/)?s?bin/" ];
    paths = [ "/etc/ssl/certs/ca-certificates.crt" ];
    links = { "bin/sh" = "bash"; "bin/awk" = "mawk"; };
    selfBash = true;
    mustExist = [ "bin/bash" "bin/cp" "bin/curl" "bin/patchelf" "etc/ssl/certs/ca-certificates.crt" ];
  };

  # The compiler and binutils, unwrapped (nixpkgs' gcc-unwrapped + binutils-unwrapped): the wrapper
  # (cc-wrapper.nix) adds the C library and the declared inputs, nothing else.
  gcc = importHost {
    name = "gcc-unwrapped";
    debs = [ "gcc" "g++" "cpp" "binutils" ];
    followDeps = "(gcc|g\\+\\+|cpp)-[0-9]+(-[a-z0-9_-]+-linux-gnu)?|lib(gcc|stdc\\+\\+)-[0-9]+-dev|binutils(-[a-z0-9_-]+-linux-gnu)?|libbinutils|libgcc-s1|libstdc\\+\\+6|libgomp1|libatomic1|libquadmath0|libitm1|libcc1-0|libctf0|libctf-nobfd0|libsframe1|libgprofng0|libjansson4";
    exclude = [ share "/lib(a|l|t|ub|hwa)san" ];
    mustExist = [ "bin/gcc" "bin/g++" "bin/ld" "bin/as" ];
  };

  # The host's interpreter with its standard library and headers (nixpkgs builds CPython; the
  # stand-in imports Debian's build of the same version).
  python = importHost {
    name = "cpython-${host.python}";
    debs = [ "python${pyMM}" "python${pyMM}-minimal" "libpython${pyMM}-minimal" "libpython${pyMM}-stdlib"
             "libpython${pyMM}-dev" "python${pyMM}-dev" ];
    exclude = [ share "^/usr/lib/python3/" "/python3\\.[0-9]+/(test|idlelib|tkinter|turtledemo)/" "\\.a$" "^/usr/lib/binfmt" ];
    mustExist = [ "bin/python${pyMM}" "lib/python${pyMM}/os.py" "include/python${pyMM}/Python.h" ];
    passthru = { pythonVersion = pyMM; version = host.python; };
  };

  pkg-config = importHost {
    name = "pkg-config-unwrapped";
    debs = [ "pkgconf" "pkgconf-bin" ];
    only = [ "^/(usr/)?bin/" ];
    mustExist = [ "bin/pkg-config" ];
  };
in
{
  inherit importHost glibc tools gcc python pkg-config loader multiarch;
}
