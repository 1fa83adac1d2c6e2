set -eu
set -o pipefail
source "$stdenv/setup"
cd "$(mktemp -d "${TMPDIR:-/tmp}/nix-build-XXXXXX")"
genericBuild
