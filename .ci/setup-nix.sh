#!/usr/bin/env bash
# Nix-side set-up for mach-nix's Nix tests (run by .ci/setup after `apt-get install nix-bin`).
# The Nix tests use tests/nixpkgs-shim, which builds on the host's Debian tools and libraries.
# Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# Tools and host libraries the shim's stdenv, autoPatchelfHook and pythonManylinuxPackages use.
need=(patchelf unzip curl ca-certificates python3 python3-venv
      libstdc++6 libgcc-s1 zlib1g libx11-6 libxext6 libxrender1 libice6 libsm6 libgl1 libglib2.0-0)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# No binary cache is reachable: do not wait on cache.nixos.org for every build.
conf=/etc/nix/nix.conf
mkdir -p /etc/nix
touch "$conf"
grep -q '^substituters' "$conf" || echo 'substituters =' >> "$conf"
grep -q '^sandbox' "$conf" || echo 'sandbox = false' >> "$conf"
grep -q '^experimental-features' "$conf" || echo 'experimental-features = nix-command flakes' >> "$conf"
