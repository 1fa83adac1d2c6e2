#!/usr/bin/env bash
# Nix-side set-up for mach-nix's Nix tests (run by .ci/setup after `apt-get install nix-bin`), on
# Debian 12 or 13. The Nix tests use tests/nixpkgs-shim, which builds on the host's Debian tools
# and libraries, and run on the host's Nix and on a current one (.ci/get-modern-nix.sh).
# Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
root=$(cd "$(dirname "$0")/.." && pwd)

# What the stand-in imports into the store once (tests/nixpkgs-shim/bootstrap: its tools, compiler,
# C library and interpreter) and the host libraries its packages are made of (autoPatchelfHook's
# and pythonManylinuxPackages' libraries, the native libraries of its Python recipes).
# Debian 13 renamed some libraries for the 64-bit time_t transition (libglib2.0-0 → libglib2.0-0t64):
# take whichever name this release has.
pick() {
  local p
  for p in "$@"; do
    if apt-cache show "$p" >/dev/null 2>&1; then echo "$p"; return; fi
  done
  echo "$1"
}
need=(patchelf unzip curl ca-certificates python3 python3-venv python3-dev bash-static ninja-build
      bash coreutils sed grep mawk findutils diffutils tar gzip bzip2 xz-utils patch make
      gcc g++ cpp binutils libc6-dev pkgconf
      libstdc++6 libgcc-s1 zlib1g zlib1g-dev libx11-6 libxext6 libxrender1 libice6 libsm6 libgl1
      libpq-dev libssl-dev libffi-dev libblas-dev liblapack-dev
      libmariadb-dev libmariadb-dev-compat libldap-dev libsasl2-dev libkrb5-dev libmagic-dev libcairo2-dev libtbb-dev)
missing=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in "${need[@]}"; do installed "$p" || missing+=("$p"); done
installed libglib2.0-0t64 || installed libglib2.0-0 || missing+=(glib)
# ncurses ABI 5 (manylinux1's ncurses5): Debian 12 only.
if ! installed libncursesw5 && apt-cache show libncursesw5 >/dev/null 2>&1; then missing+=(libncursesw5); fi
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  for i in "${!missing[@]}"; do
    [ "${missing[$i]}" != glib ] || missing[$i]=$(pick libglib2.0-0t64 libglib2.0-0)
  done
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# nix.conf of both Nix installations: SET these keys (Debian 13's nix-bin ships `sandbox = true`).
# `relaxed`: builds are sandboxed, as on NixOS, except the stand-in's bootstrap imports of host tools
# (`__noChroot`). The sandbox has /bin/sh, as Nix's always does (NixOS binds busybox there; Debian's
# nix-bin a static bash), and nothing else of the host. No binary cache is reachable: do not wait on cache.nixos.org for every build.
set_key() {
  local conf=$1 key=$2 value=$3
  if grep -Eq "^[[:space:]]*$key[[:space:]]*=" "$conf"; then
    sed -i -E "s|^[[:space:]]*$key[[:space:]]*=.*|$key =${value:+ $value}|" "$conf"
  else
    echo "$key =${value:+ $value}" >> "$conf"
  fi
}
set_keys() {
  local conf=$1
  mkdir -p "$(dirname "$conf")"
  touch "$conf"
  set_key "$conf" substituters ""
  set_key "$conf" sandbox relaxed
  set_key "$conf" sandbox-paths "/bin/sh=/usr/bin/bash-static"
  set_key "$conf" experimental-features "nix-command flakes"
}
set_keys "${MACH_NIX_NIX_CONF:-/etc/nix/nix.conf}"

# The facts of this host the shim reports (Python version, glibc): tests/nixpkgs-shim/host.json.
/usr/bin/python3 "$root/tests/nixpkgs-shim/probe-host.py" >/dev/null

# The current Nix the tests also run on (Debian 13's nix-bin, its own store).
modern=${MACH_NIX_MODERN_NIX:-/opt/mach-nix/nix-modern}
bash "$root/.ci/get-modern-nix.sh" "$modern"
[ -n "${MACH_NIX_NIX_CONF:-}" ] || set_keys "$modern/etc/nix.conf"
