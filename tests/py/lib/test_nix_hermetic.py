"""The stand-in's builds are as hermetic as nixpkgs' (issue 19): they run in Nix's sandbox on the
bootstrap imports alone, so a build that reaches for something it did not declare fails, as it
would on nixpkgs. Each case below built on the stand-in before it was sandboxed (host PATH, host
/usr/include, host network) and must fail now; the declared variants show the way that works."""

from __future__ import annotations

import subprocess

import pytest

from nix_support import ROOT, SHIM

pytestmark = pytest.mark.nix

PKGS = f"(import {SHIM} {{ }})"


def build(expr: str) -> subprocess.CompletedProcess:
    return subprocess.run(["nix-build", "--no-out-link", "--expr", f"with {PKGS}; {expr}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)


UNDECLARED = {
    # the host has /usr/bin/pg_config (libpq-dev): a recipe must declare libpq.pg_config
    "pg_config": ('runCommandCC "undeclared-pg-config" { } "pg_config --version && touch $out"', "pg_config: command not found"),
    # the host's headers are not the compiler's: only glibc's and the declared inputs' are
    "usr-include": ('runCommandCC "host-headers" { } "cat /usr/include/stdio.h > $out"', "No such file or directory"),
    "zlib-header": ('runCommandCC "undeclared-zlib" { } "echo \'#include <zlib.h>\' | gcc -x c -c - -o $out"',
                    "zlib.h: No such file or directory"),
    # only fixed-output derivations reach the network
    "network": ('runCommand "network" { } "curl -sS --max-time 20 https://pypi.org/simple/ > $out"', "Could not resolve host"),
}


@pytest.mark.parametrize("case", sorted(UNDECLARED))
def test_an_undeclared_host_thing_fails_the_build(case: str) -> None:
    expr, message = UNDECLARED[case]
    proc = build(expr)
    assert proc.returncode != 0, f"{case} built: the stand-in let a build see the host"
    assert message in proc.stderr, proc.stderr[-2000:]


def test_declared_native_inputs_build_and_run() -> None:
    """libpq declared: pg_config (its own package, as nixpkgs' `libpq.pg_config`) names store
    directories, the compiler finds the headers, and the program runs against the store's libpq."""
    proc = build('''runCommandCC "declared-libpq" { nativeBuildInputs = [ libpq.pg_config ]; buildInputs = [ libpq zlib ]; } ''
      cat > t.c <<'C'
      #include <libpq-fe.h>
      #include <zlib.h>
      #include <stdio.h>
      int main() { printf("%d %s\\n", PQlibVersion(), zlibVersion()); return 0; }
      C
      gcc -I$(pg_config --includedir) t.c -lpq -lz -o t
      ./t > $out
      case "$(pg_config --libdir)" in ${libpq}/lib) ;; *) echo "pg_config names $(pg_config --libdir)"; exit 1 ;; esac
    '' ''')
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = subprocess.run(["cat", proc.stdout.strip()], capture_output=True, text=True).stdout.split()
    assert int(out[0]) > 90000 and out[1][0].isdigit(), out


def test_postgresql_out_has_no_pg_config() -> None:
    """nixpkgs (25.05 on) moved pg_config out of postgresql's `out`: a rule that puts `postgresql`
    on PATH for pg_config is stale there."""
    proc = build('runCommand "stale-rule" { nativeBuildInputs = [ postgresql ]; } "pg_config --version > $out"')
    assert proc.returncode != 0 and "pg_config: command not found" in proc.stderr, proc.stderr[-2000:]
