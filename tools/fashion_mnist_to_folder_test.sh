#!/usr/bin/env sh
# Smoke test of fashion_mnist_to_folder: converts 30 images per split and checks the folder.
# Arguments: the tool, a scratch folder. Skips (77) when dataset-fashion-mnist is not installed.
set -eu
tool=$1 out=$2
[ -d /usr/share/datasets/fashion-mnist ] || exit 77
rm -rf "$out" "$out.partial"
"$tool" "$out" --limit 30
[ "$(find "$out/train" -name '*.png' | wc -l)" -eq 30 ]
[ "$(find "$out/val" -name '*.png' | wc -l)" -eq 30 ]
[ "$(ls "$out/train" | head -1)" = "0_T-shirt_top" ] && [ "$(ls "$out/train" | wc -l)" -eq 10 ]
if "$tool" "$out" --limit 1 2>/dev/null; then echo "an existing OUTPUT was overwritten" >&2; exit 1; fi
rm -rf "$out"
