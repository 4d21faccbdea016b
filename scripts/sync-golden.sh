#!/usr/bin/env bash
# Copies the golden case files (not the large checkpoint files) from a source folder into Tests/Golden.
# Usage: scripts/sync-golden.sh <golden-source-folder>
set -euo pipefail
src=${1:?usage: scripts/sync-golden.sh <golden-source-folder>}
dst="$(cd "$(dirname "$0")/.." && pwd)/Tests/Golden"
[ -f "$src/FORMAT.md" ] || { echo "error: $src has no FORMAT.md; is it a golden folder?" >&2; exit 1; }
rm -rf "$dst.tmp" && mkdir -p "$dst.tmp"
cp "$src/FORMAT.md" "$dst.tmp/"
for suite in "$src"/*/; do
  name=$(basename "$suite")
  [ "$name" = checkpoints ] && continue
  mkdir -p "$dst.tmp/$name" && cp "$suite"*.json "$dst.tmp/$name/"
done
rm -rf "$dst" && mv "$dst.tmp" "$dst"
echo "synced $(find "$dst" -name '*.json' | wc -l) cases into $dst"
