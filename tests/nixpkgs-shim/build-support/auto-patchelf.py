"""Shim of nixpkgs' auto-patchelf.py: satisfy every DT_NEEDED of the ELF files under --paths.

Libraries that the shim's libc provides are not searched for; everything else must be found in
the outputs themselves (first), the --libs directories, or it is an error unless ignored. A file
that needs libc's libraries gets --libc-dir last in its RUNPATH: nixpkgs' dynamic linker searches
its own glibc by default, the stand-in's (imported from the host, see bootstrap/) searches nothing.
"""
import argparse
import fnmatch
import os
import subprocess
import sys

# The libraries of the shim's glibc (nixpkgs' glibc: no libcrypt.so.1, which is libxcrypt's).
LIBC = {"libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0", "libutil.so.1",
        "libresolv.so.2", "libnsl.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
        "libanl.so.1", "libmvec.so.1"}


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def patchelf(*args):
    return subprocess.run(["patchelf", *args], check=True, capture_output=True, text=True).stdout.strip()


def elf_files(roots):
    for root in roots:
        for d, _, files in os.walk(root):
            for fn in files:
                p = os.path.join(d, fn)
                if not os.path.islink(p) and is_elf(p):
                    yield p


def index_dir(directory, recurse, found):
    if not os.path.isdir(directory):
        return
    walker = os.walk(directory) if recurse else [(directory, [], os.listdir(directory))]
    for d, _, files in walker:
        for fn in files:
            if ".so" in fn:
                found.setdefault(fn, d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ignore-missing", default="")
    ap.add_argument("--libs", nargs="*", default=[])
    ap.add_argument("--recursive-libs", nargs="*", default=[])
    ap.add_argument("--runtime-dependencies", nargs="*", default=[])
    ap.add_argument("--append-rpaths", nargs="*", default=[])
    ap.add_argument("--libc-dir", default=None)
    ap.add_argument("--interpreter", default="")
    ap.add_argument("--paths", nargs="*", default=[])
    a = ap.parse_args()
    ignore = [g for g in a.ignore_missing.split() if g]
    own, libs = {}, {}
    for p in a.paths:
        index_dir(p, True, own)
    for d in a.recursive_libs:
        index_dir(d, True, libs)
    for d in a.libs:
        index_dir(d, False, libs)
    missing = []
    for path in sorted(elf_files(a.paths)):
        try:
            needed = patchelf("--print-needed", path).split()
        except subprocess.CalledProcessError:
            continue
        try:
            patchelf("--print-interpreter", path)
            if a.interpreter:
                patchelf("--set-interpreter", a.interpreter, path)
            rpath = list(a.runtime_dependencies)
        except subprocess.CalledProcessError:
            rpath = []
        for lib in needed:
            if lib in LIBC:
                continue
            d = own.get(lib) or libs.get(lib)
            if d is None:
                if any(fnmatch.fnmatch(lib, g) for g in ignore):
                    print(f"warn: auto-patchelf ignoring missing {lib} wanted by {path}", file=sys.stderr)
                    continue
                print(f"error: auto-patchelf could not satisfy dependency {lib} wanted by {path}", file=sys.stderr)
                missing.append(lib)
                continue
            if d not in rpath:
                rpath.append(d)
        rpath += [r for r in a.append_rpaths if r not in rpath]
        if a.libc_dir and any(lib in LIBC for lib in needed) and a.libc_dir not in rpath:
            rpath.append(a.libc_dir)
        if rpath:
            print(f"setting RPATH of {path} to {':'.join(rpath)}")
            patchelf("--set-rpath", ":".join(rpath), path)
    if missing:
        print("auto-patchelf failed to find all the required dependencies.", file=sys.stderr)
        print("Add the missing dependencies to --libs or use `--ignore-missing=\"foo.so.1 bar.so etc.so\"`.", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
