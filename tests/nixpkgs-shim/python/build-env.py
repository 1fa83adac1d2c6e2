"""Symlink forest of several store paths into one (the part of nixpkgs' buildEnv builder.pl used here).

A directory provided by one path is linked whole; provided by several, it becomes a real directory.
A file provided twice with different contents is a collision: an error unless collisions are ignored.
"""
import filecmp
import os
import sys

out, ignore, paths = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
SKIP = {"nix-support", "pyvenv.cfg"}


def link(src, dst):
    if os.path.lexists(dst):
        if os.path.isdir(dst) and os.path.isdir(src):
            if os.path.islink(dst):
                first = os.readlink(dst)
                os.unlink(dst)
                os.mkdir(dst)
                for n in os.listdir(first):
                    link(os.path.join(first, n), os.path.join(dst, n))
            for n in os.listdir(src):
                link(os.path.join(src, n), os.path.join(dst, n))
            return
        target = os.path.realpath(dst)
        if os.path.realpath(src) == target or filecmp.cmp(src, target, shallow=False):
            return
        msg = f"collision between `{os.path.realpath(src)}' and `{target}'"
        if ignore:
            print(f"warning: {msg}", file=sys.stderr)
            return
        print(f"error: {msg}", file=sys.stderr)
        sys.exit(1)
    os.symlink(src, dst)


for p in paths:
    for n in sorted(os.listdir(p)):
        if n not in SKIP:
            link(os.path.join(p, n), os.path.join(out, n))
