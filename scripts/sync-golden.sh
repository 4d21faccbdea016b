#!/usr/bin/env bash
# Copies the golden case files, and the checkpoint files under 5 MB with their manifest, from a source
# folder into Tests/Golden (the large checkpoints stay where they are; tests look for them there).
# Usage: scripts/sync-golden.sh <golden-source-folder>
set -euo pipefail
src=${1:?usage: scripts/sync-golden.sh <golden-source-folder>}
dst="$(cd "$(dirname "$0")/.." && pwd)/Tests/Golden"
[ -f "$src/FORMAT.md" ] || { echo "error: $src has no FORMAT.md; is it a golden folder?" >&2; exit 1; }
rm -rf "$dst.tmp" && mkdir -p "$dst.tmp"
cp "$src/FORMAT.md" "$dst.tmp/"
for suite in "$src"/*/; do
  name=$(basename "$suite")
  if [ "$name" = checkpoints ]; then
    mkdir -p "$dst.tmp/checkpoints"
    find "$suite" -maxdepth 1 -type f -size -5M -exec cp {} "$dst.tmp/checkpoints/" \;
    continue
  fi
  mkdir -p "$dst.tmp/$name" && cp "$suite"*.json "$dst.tmp/$name/"
done
rm -rf "$dst" && mv "$dst.tmp" "$dst"
echo "synced $(find "$dst" -name '*.json' -not -path '*/checkpoints/*' | wc -l) cases and $(ls "$dst/checkpoints" | wc -l) checkpoint files into $dst"
