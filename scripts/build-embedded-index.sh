#!/usr/bin/env bash
# (Re)build the embedded index in data/ from PyPI. Resumable: run it again after a crash or Ctrl-C.
#
# Scope (docs/crawl.md): the top $TOP (2000) projects of shared/data/top-pypi-packages.csv, every
# requirement set in shared/bench/ together with the exact versions uv pins for them
# (CPython 3.11, x86_64 manylinux_2_28), and the closure of all of these; releases of the last
# 18 months (at most the newest 20 per project) plus the newest release of every major.minor
# series from the last three years. Sized for the budget: <= 100 MB JSON, <= 25 MB packed (the
# packed form is mostly the two hashes of each file, so the budget is a budget of files). Every
# other release is still listed in each project's `versions` table and is fetched on demand.
#
# Metadata the index in $OUT (default: data/) already holds is reused, so widening the scope
# fetches only what is new.
#
# Usage: [TOP=N] [OUT=DIR] scripts/build-embedded-index.sh [extra `mach-nix index build` options]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED:-$repo/../shared}"
top="${TOP:-2000}"
out="${OUT:-$repo/data}"
pins="$(mktemp -t mach-nix-pins.XXXXXX)"
trap 'rm -f "$pins"' EXIT

# The pinned versions of every bench set, so that they are in the index whatever their age. They
# are recorded in tests/data/bench-pins/, which the offline test of data/ checks against.
if command -v uv >/dev/null; then
  python3 "$repo/scripts/record-bench-pins.py" --bench "$shared/bench" --out "$repo/tests/data/bench-pins"
  grep -hv '^#' "$repo"/tests/data/bench-pins/*.txt >>"$pins"
else
  echo "uv not found: building without the bench sets' pinned versions" >&2
fi

exec python3 -m mach_nix index build \
  --packages "$shared"/bench/*.txt "$pins" \
  --top "$top" --top-csv "$shared/data/top-pypi-packages.csv" \
  --since "$(date -u -d '18 months ago' +%F)" --series-since "$(date -u -d '3 years ago' +%F)" \
  --max-window-releases 20 --closure --out "$out" --quiet "$@"
