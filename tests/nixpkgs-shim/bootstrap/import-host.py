"""Import a slice of the host (Debian) into the Nix store as a self-contained package: the stand-in's
bootstrap step, as nixpkgs unpacks its bootstrap tools once and builds everything else from them.

Runs as the builder of a `__noChroot` derivation (Nix's `sandbox = relaxed`), the only place the
stand-in sees the host. Every other stand-in build runs in the sandbox and sees only store paths.

The spec (JSON in `$spec`) names Debian packages (their files, from `dpkg -L`) and extra host
paths. Files keep their place below /usr, with the multiarch level folded
(`/usr/lib/x86_64-linux-gnu/libz.so.1` -> `$out/lib/libz.so.1`,
`/usr/include/x86_64-linux-gnu/bits` -> `$out/include/bits`). Then, as nixpkgs' own packages are:
- ELF files get the store glibc's dynamic linker and a RUNPATH of `$out/lib` and glibc's `lib`; the
  libraries they need that are not glibc's are copied into `$out/lib` (their own RUNPATH likewise);
- `#!/bin/sh` and `#!/bin/bash` scripts run the imported bash;
- pkg-config files and linker scripts name store paths, not /usr;
- glibc's dynamic linker forgets the host: its cache file (/etc/ld.so.cache), preload file and
  default directories are renamed in place to paths that cannot exist, so a program of the store
  never loads a host library, inside the sandbox or outside it (nixpkgs' glibc has store paths there).
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys

spec = json.loads(os.environ["spec"])
out = os.environ["out"]
multiarch = spec["multiarch"]
glibc = spec.get("glibc") or out
loader = spec["loader"]
GLIBC_SONAMES = set(spec["glibcSonames"])


def fail(msg: str) -> None:
    sys.exit(f"nixpkgs-shim bootstrap ({spec['name']}): {msg}")


def store_relative(host_path: str) -> str | None:
    """Where a host path goes below $out, or None for what a package never carries (docs, man)."""
    p = os.path.normpath(host_path)
    for prefix in ("/usr/", "/"):
        if p.startswith(prefix):
            p = p[len(prefix):]
            break
    p = re.sub(r"^(s?bin)/", "bin/", p)
    p = re.sub(rf"^lib/{multiarch}/(blas|lapack)/", "lib/", p)  # Debian's alternatives directories
    p = re.sub(rf"^lib/{multiarch}(/|$)", r"lib\1", p)
    p = re.sub(r"^lib64(/|$)", r"lib\1", p)
    p = re.sub(rf"^include/{multiarch}(/|$)", r"include\1", p)
    if re.match(r"^share/(doc|man|info|lintian|locale|bug|bash-completion|zsh|gdb)(/|$)", p):
        return None
    return p or None


def deb_files(pkg: str) -> list[str]:
    r = subprocess.run(["dpkg-query", "-L", pkg], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"the host has no Debian package {pkg}; .ci/setup-nix.sh installs the stand-in's packages")
    return [line for line in r.stdout.splitlines() if line and line != "/."]


def wanted(paths: list[str]) -> list[str]:
    excludes = [re.compile(x) for x in spec.get("exclude", [])]
    keep = [re.compile(x) for x in spec.get("only", [])]
    result = []
    for p in paths:
        if any(x.search(p) for x in excludes):
            continue
        if keep and not any(x.search(p) for x in keep):
            continue
        result.append(p)
    return result


def installed(pkg: str) -> bool:
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.endswith("installed") and "not-installed" not in r.stdout


def deb_closure(roots: list[str]) -> list[str]:
    """The named packages and, recursively, those of their dependencies `followDeps` matches (the
    versioned compiler packages behind Debian's `gcc`, whatever this release numbers them)."""
    follow = re.compile(spec.get("followDeps", "(?!)"))
    seen: list[str] = []
    queue = list(roots)
    while queue:
        pkg = queue.pop(0)
        if pkg in seen:
            continue
        seen.append(pkg)
        r = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", pkg], capture_output=True, text=True)
        for alt in r.stdout.split(","):
            # "a | b": the first alternative this host has; virtual names (libc-dev) are skipped.
            for option in alt.split("|"):
                name = option.strip().split(" ")[0].split(":")[0]
                if name and follow.fullmatch(name) and installed(name):
                    queue.append(name)
                    break
    return seen


def collect() -> list[str]:
    paths: list[str] = []
    for pkg in deb_closure(spec.get("debs", [])):
        paths += deb_files(pkg)
    paths = wanted(paths)
    for p in spec.get("paths", []):
        if os.path.isdir(p) and not os.path.islink(p):
            for root, dirs, files in os.walk(p):
                paths += [os.path.join(root, f) for f in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]]
        else:
            paths.append(p)
    paths += [p for p in spec.get("optionalPaths", []) if os.path.exists(p)]
    return paths


def copy_in(paths: list[str]) -> None:
    planned = {store_relative(p): p for p in paths if not os.path.isdir(p) and (os.path.isfile(p) or os.path.islink(p))}
    planned.pop(None, None)
    real_to_rel = {os.path.realpath(h): rel for rel, h in planned.items() if not os.path.islink(h)}
    for rel, host in sorted(planned.items()):
        dst = os.path.join(out, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.lexists(dst):
            # The multiarch copy of a header wins over its generic wrapper (Debian's pyconfig.h).
            if f"/{multiarch}/" not in host:
                continue
            os.unlink(dst)
        if os.path.islink(host):
            target_rel = real_to_rel.get(os.path.realpath(host))
            if target_rel is not None:
                os.symlink(os.path.relpath(os.path.join(out, target_rel), os.path.dirname(dst)), dst)
                continue
            if not os.path.exists(host):
                continue
        shutil.copy2(host, dst, follow_symlinks=True)
        os.chmod(dst, os.stat(dst).st_mode | stat.S_IWUSR)
    for alias, target in spec.get("links", {}).items():
        dst = os.path.join(out, alias)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.lexists(dst):
            os.symlink(target, dst)


def is_elf(path: str) -> bool:
    with open(path, "rb") as f:
        head = f.read(18)
    return len(head) == 18 and head[:4] == b"\x7fELF" and head[16] in (2, 3)  # ET_EXEC, ET_DYN


def host_needs(host_path: str) -> list[str]:
    """The host files a host ELF object loads (ldd: resolved by the host's dynamic linker)."""
    r = subprocess.run(["ldd", host_path], capture_output=True, text=True)
    found = []
    for line in r.stdout.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if m and m.group(1) not in GLIBC_SONAMES:
            found.append(m.group(2))
    return found


def private_libraries(origins: dict[str, str]) -> None:
    """Copy what the imported ELF objects need from the host (and is not glibc's) into $out/lib."""
    queue = list(origins.items())
    libdir = os.path.join(out, "lib")
    while queue:
        _, host = queue.pop()
        for need in host_needs(host):
            dst = os.path.join(libdir, os.path.basename(need))
            if os.path.lexists(dst):
                continue
            os.makedirs(libdir, exist_ok=True)
            shutil.copy2(need, dst, follow_symlinks=True)
            os.chmod(dst, os.stat(dst).st_mode | stat.S_IWUSR)
            origins[dst] = need
            queue.append((dst, need))


def patch_elf(path: str) -> None:
    r = subprocess.run(["patchelf", "--print-interpreter", path], capture_output=True, text=True)
    args = ["patchelf"]
    if r.returncode == 0 and r.stdout.strip():
        args += ["--set-interpreter", f"{glibc}/lib/{loader}"]
    rpath = [f"{out}/lib"] + [f"{d}/lib" for d in spec.get("rpathDeps", [])] + [f"{glibc}/lib"]
    args += ["--set-rpath", ":".join(dict.fromkeys(rpath)), path]
    subprocess.run(args, check=True)


def nowhere(path: bytes) -> bytes:
    """A path of the same length below /dev/null (which is no directory, so nothing is there)."""
    return (b"/dev/null/" + b"x" * len(path))[: len(path) - 1] + b"\0"


def forget_host(ld_so: str) -> None:
    """Rename the host's places in glibc's dynamic linker to same-length paths that cannot exist."""
    with open(ld_so, "rb") as f:
        data = f.read()
    renames = {
        b"/etc/ld.so.cache\0": nowhere(b"/etc/ld.so.cache\0"),
        b"/etc/ld.so.preload\0": nowhere(b"/etc/ld.so.preload\0"),
        f"/usr/lib/{multiarch}/\0".encode(): f"/-sr/lib/{multiarch}/\0".encode(),
        f"/lib/{multiarch}/\0".encode(): f"/-ib/{multiarch}/\0".encode(),
        b"\0/lib/\0": b"\0/-ib/\0",
        b"\0/usr/lib/\0": b"\0/-sr/lib/\0",
    }
    # /usr/lib/… before /lib/…: the one contains the other.
    for old, new in renames.items():
        assert len(old) == len(new)
        if old not in data:
            fail(f"{ld_so} has no {old!r}; this glibc is laid out differently, adapt forget_host")
        data = data.replace(old, new)
    os.chmod(ld_so, 0o755)
    with open(ld_so, "wb") as f:
        f.write(data)


def rewrite_text(path: str) -> None:
    with open(path, "rb") as f:
        data = f.read()
    if b"\0" in data[:4096]:
        return
    new = data
    bash = out if spec.get("bash") == "self" else spec.get("bash")
    if bash and new.startswith(b"#!"):
        new = re.sub(rb"^#! ?(/usr)?/bin/(ba)?sh\b", b"#!" + bash.encode() + b"/bin/bash", new)
    if path.endswith((".pc", ".la", "-config")) or new.startswith(b"/* GNU ld script"):
        def to_store(m: re.Match) -> bytes:
            host = m.group(0).decode()
            rel = store_relative(host)
            base = glibc if os.path.basename(host).split(".so")[0] in {s.split(".so")[0] for s in GLIBC_SONAMES} | {"libc_nonshared"} else out
            return f"{base}/{rel}".encode() if rel else m.group(0)
        # ${prefix}/lib/<multiarch> -> ${prefix}/lib (the import folds that level), then absolute paths.
        new = re.sub(rb"/(lib|include)/" + multiarch.encode() + rb"(?=[/\s]|$)", rb"/\1", new, flags=re.M)
        # Debian's krb5-config computes the multiarch level at run time: /lib/${tripple}/mit-krb5.
        new = new.replace(b"/lib/${tripple}/", b"/lib/")
        new = re.sub(rb"(?<![\w/}])/(usr/)?(lib64|lib|include)(/[^\s)'\"]*)?", to_store, new)
        new = re.sub(rb"^prefix=/usr$", b"prefix=" + out.encode(), new, flags=re.M)
    if new != data:
        mode = os.stat(path).st_mode
        os.chmod(path, mode | stat.S_IWUSR)
        with open(path, "wb") as f:
            f.write(new)


def main() -> None:
    os.makedirs(out, exist_ok=True)
    paths = collect()
    if not paths and not spec.get("optionalPaths"):
        fail("nothing to import")
    os.makedirs(os.path.join(out, "lib"), exist_ok=True)
    copy_in(paths)
    origins: dict[str, str] = {}
    for rel_host in paths:
        rel = store_relative(rel_host)
        if rel is None:
            continue
        dst = os.path.join(out, rel)
        if os.path.isfile(dst) and not os.path.islink(dst) and is_elf(dst):
            origins[dst] = rel_host
    ld_so = os.path.join(out, "lib", loader)
    if spec.get("isGlibc"):
        forget_host(ld_so)
    else:
        private_libraries(origins)
        for path in origins:
            patch_elf(path)
    for root, _, files in os.walk(out):
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path) and not (spec.get("isGlibc") and path == ld_so):
                rewrite_text(path)
    versions = {pkg: subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True).stdout
                for pkg in spec.get("debs", [])}
    os.makedirs(os.path.join(out, "nix-support"), exist_ok=True)
    with open(os.path.join(out, "nix-support", "deb-versions.json"), "w") as f:
        json.dump(versions, f, sort_keys=True)
    for p in spec.get("mustExist", []):
        if not os.path.exists(os.path.join(out, p)):
            fail(f"{p} is missing after the import; is its Debian package installed (.ci/setup-nix.sh)?")


main()
