#!/usr/bin/env bash
# A current Nix for the Nix tests, next to the host's own: Debian 13 ("trixie") `nix-bin` and the
# libraries it needs, downloaded with a private apt configuration (the host's apt lists, cache and
# dpkg database are not touched), unpacked into $PREFIX and pointed at its own dynamic loader and
# libraries with patchelf. Works on Debian 12 and 13 hosts. Idempotent: an existing working
# installation is kept.
#
# Usage: bash .ci/get-modern-nix.sh [PREFIX]       (default /opt/mach-nix/nix-modern)
# Result: PREFIX/bin/{nix,nix-build,nix-instantiate,nix-shell,nix-store,…}
#         PREFIX/nix.env: NIX_STORE_DIR, NIX_STATE_DIR, NIX_LOG_DIR, NIX_CONF_DIR of its own store
#
# The second Nix gets a store of its own (PREFIX/store): it would otherwise upgrade the host Nix's
# database schema, which Debian 12's Nix 2.8 cannot read back. Its nix.conf has an empty
# build-users-group, so its builds run as the calling user and never share the nixbld users with
# the host's daemon-less Nix (two stores that share them kill each other's builds).
set -euo pipefail
PREFIX=${1:-/opt/mach-nix/nix-modern}
SUITE=${MACH_NIX_MODERN_NIX_SUITE:-trixie}
MIRROR=${MACH_NIX_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ -x "$PREFIX/bin/nix" ] && "$PREFIX/bin/nix" --version >/dev/null 2>&1; then
  echo "modern Nix: $("$PREFIX/bin/nix" --version) at $PREFIX (kept)"
  exit 0
fi
for tool in apt-get dpkg-deb patchelf; do
  command -v "$tool" >/dev/null || { echo "get-modern-nix: $tool is needed" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
aptdir=$work/apt
mkdir -p "$aptdir/lists/partial" "$aptdir/archives/partial" "$aptdir/etc/preferences.d"
: > "$aptdir/status"
echo "deb $MIRROR $SUITE main" > "$aptdir/etc/sources.list"
apt_opts=(
  # The host's archive keyrings (Debian 12's debian-archive-keyring has trixie's keys) verify the lists.
  -o "Dir::Etc::SourceList=$aptdir/etc/sources.list" -o "Dir::Etc::SourceParts=-"
  -o "Dir::Etc::Preferences=$aptdir/etc/preferences" -o "Dir::Etc::PreferencesParts=$aptdir/etc/preferences.d"
  -o "Dir::State=$aptdir" -o "Dir::State::Lists=$aptdir/lists" -o "Dir::State::status=$aptdir/status"
  -o "Dir::Cache=$aptdir" -o "Dir::Cache::archives=$aptdir/archives"
  -o Debug::NoLocking=1 -o APT::Install-Recommends=false -o APT::Sandbox::User=root
)
apt-get "${apt_opts[@]}" update -qq
# With an empty status file apt downloads the whole dependency closure, libc included: the unpacked
# nix then runs on trixie's loader and libraries whatever the host's glibc is.
apt-get "${apt_opts[@]}" install -y -qq --download-only nix-bin >/dev/null

tree=$PREFIX/root
rm -rf "$PREFIX"
mkdir -p "$tree" "$PREFIX/bin" "$PREFIX/store" "$PREFIX/state" "$PREFIX/log" "$PREFIX/etc"
for deb in "$aptdir"/archives/*.deb; do dpkg-deb -x "$deb" "$tree"; done

arch=$(dpkg --print-architecture)
case "$arch" in
  amd64) triplet=x86_64-linux-gnu; loader=ld-linux-x86-64.so.2 ;;
  arm64) triplet=aarch64-linux-gnu; loader=ld-linux-aarch64.so.1 ;;
  *) echo "get-modern-nix: architecture $arch is not handled" >&2; exit 1 ;;
esac
ld=""
for cand in "$tree/usr/lib/$triplet/$loader" "$tree/lib/$triplet/$loader" "$tree/usr/lib64/$loader" "$tree/lib64/$loader"; do
  if [ -e "$cand" ]; then ld=$cand; break; fi
done
[ -n "$ld" ] || { echo "get-modern-nix: no $loader in the unpacked packages" >&2; exit 1; }
patchelf --set-interpreter "$ld" --force-rpath --set-rpath "$tree/usr/lib/$triplet:$tree/lib/$triplet" "$tree/usr/bin/nix"

# nix dispatches on argv[0] (nix-build, nix-instantiate, …): link every name to the patched binary.
for f in "$tree"/usr/bin/nix*; do
  ln -sf "$tree/usr/bin/nix" "$PREFIX/bin/$(basename "$f")"
done
cat > "$PREFIX/etc/nix.conf" <<EOF
build-users-group =
sandbox = false
substituters =
experimental-features = nix-command flakes
EOF
cat > "$PREFIX/nix.env" <<EOF
NIX_STORE_DIR=$PREFIX/store
NIX_STATE_DIR=$PREFIX/state
NIX_LOG_DIR=$PREFIX/log
NIX_CONF_DIR=$PREFIX/etc
EOF
echo "modern Nix: $("$PREFIX/bin/nix" --version) at $PREFIX ($(ls "$aptdir"/archives/*.deb | wc -l) packages)"
