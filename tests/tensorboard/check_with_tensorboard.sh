#!/usr/bin/env bash
# ctest: vit_tests writes a run folder, then TensorBoard's reader (Debian's python3 with the
# tensorboard package that scripts/install-deps puts in .golden-deps/) checks it. Exit 77 = SKIP.
#   check_with_tensorboard.sh VIT_TESTS_BINARY WORK_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python=/usr/bin/python3
[[ -x "$python" ]] || { echo "SKIP: $python is missing"; exit 77; }
rm -rf "$2" && mkdir -p "$2"
VIT_TENSORBOARD_CHECK_DIR="$2/run" "$1" "[.tensorboard_python]"
PYTHONPATH="$here/../../.golden-deps${PYTHONPATH:+:$PYTHONPATH}" "$python" "$here/read_events.py" "$2/run"
