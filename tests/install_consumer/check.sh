#!/usr/bin/env bash
# Installs the built library into a scratch prefix and builds and runs a consumer with
# find_package(vitcuda). Arguments: the build folder, the scratch folder.
set -euo pipefail
build_dir=$1 scratch=$2
rm -rf "$scratch"
cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
cmake -S "$(dirname "$0")" -B "$scratch/consumer" -DCMAKE_PREFIX_PATH="$scratch/prefix" \
      -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$scratch/consumer" >/dev/null
"$scratch/consumer/consumer"
