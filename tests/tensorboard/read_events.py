"""Reads a run folder with TensorBoard's own event readers and checks what vit_tests wrote.

Usage: read_events.py RUN_DIR. Exits 77 (ctest SKIP) when the tensorboard package is missing.
The expected values mirror the "[.tensorboard_python]" test case in test_train_tensorboard.cpp.
"""
import glob
import math
import os
import sys

try:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
except ImportError as error:
    print(f"SKIP: the tensorboard package is not importable ({error}); see scripts/install-deps")
    sys.exit(77)


def main(run_dir):
    files = sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*")))
    assert len(files) == 2, f"expected 2 event files (a run and its resumption), found {files}"
    for path in files:
        first = next(iter(LegacyEventFileLoader(path).Load()))
        assert first.file_version == "brain.Event:2", f"{path}: first record is {first}"

    accumulator = EventAccumulator(run_dir)
    accumulator.Reload()
    tags = sorted(accumulator.Tags()["scalars"])
    assert tags == ["train/loss", "val/acc"], f"scalar tags {tags}"
    expected = {"train/loss": lambda step: 1.0 / (step + 1), "val/acc": lambda step: 0.125 * step}
    for tag, value_at in expected.items():
        scalars = accumulator.Scalars(tag)
        steps = [s.step for s in scalars]
        assert steps == list(range(6)), f"{tag}: steps {steps}"
        for s in scalars:
            assert math.isclose(s.value, value_at(s.step), rel_tol=1e-6), f"{tag} step {s.step}: {s.value}"
    print(f"TensorBoard read {len(files)} files: tags {tags}, 6 steps each, values as written")


if __name__ == "__main__":
    main(sys.argv[1])
