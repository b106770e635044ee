#!/usr/bin/env python3
"""vit_train across processes, on 320 Fashion-MNIST images (tests/dist/CMakeLists.txt):
  1. mpirun -np 2 with batch 16 per process against one process with batch 32: the same metrics
     (within 1e-5) and the same final weights within 5e-4, a quarter of one AdamW step at lr 2e-3:
     the runs differ by the rounding of the gradient's sum only, but AdamW moves an element by
     about lr whatever its gradient's size, so a near-zero gradient's rounding can show as up to a
     step (measured: 5e-5 after 20 steps, 1.5e-4 after a resume); rank 0 alone writes the run folder.
  2. Resume a two-process run in one process: the same as one process all along; with another
     number of steps per epoch, the run carries its epochs over.
  3. A rank killed mid-run, and a rank stalled mid-run: the run ends with an error, never hangs.
  check_vit_train.py --mpirun MPIRUN --tools BUILD/tools --work FOLDER
"""
import argparse
import csv
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

import numpy as np

MODEL = ["--model", "custom", "--img-size", "28", "--in-channels", "1", "--patch-size", "7", "--dim", "32",
         "--depth", "2", "--heads", "2", "--mlp-ratio", "2", "--scale-min", "0.7", "--crop-pct", "1",
         "--workers", "1", "--lr", "2e-3", "--seed", "3"]


def weights(path):
    """The tensors of a safetensors file as float32 arrays, by name."""
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        assert info["dtype"] == "F32", (name, info["dtype"])
        tensors[name] = np.frombuffer(data[begin:end], dtype=np.float32)
    return tensors


def metrics(folder):
    with open(os.path.join(folder, "metrics.csv")) as f:
        return list(csv.DictReader(f))


class Checks:
    def __init__(self, mpirun, tools, work):
        self.mpirun, self.vit_train, self.work = mpirun, os.path.join(tools, "vit_train"), work
        self.data = os.path.join(work, "fashion-mnist")
        self.failures = []

    def check(self, ok, what):
        print(("ok      " if ok else "FAILED  ") + what, flush=True)
        if not ok:
            self.failures.append(what)

    def command(self, out, batch, epochs, processes, extra=()):
        train = [self.vit_train, "--data", self.data, "--out", os.path.join(self.work, out), "--batch-size",
                 str(batch), "--epochs", str(epochs), *MODEL, *extra]
        if processes == 1:
            return train
        return [self.mpirun, "--allow-run-as-root", "--oversubscribe", "-np", str(processes), *train]

    def run(self, out, batch, epochs, processes, extra=()):
        result = subprocess.run(self.command(out, batch, epochs, processes, extra), capture_output=True, text=True,
                                timeout=600)
        if result.returncode != 0:
            print(result.stdout, result.stderr, sep="\n")
        self.check(result.returncode == 0, f"{out}: vit_train on {processes} process(es) exits 0")
        return result.stdout

    def same_run(self, a, b, what, loss_tolerance=1e-5, weight_tolerance=5e-4):
        ma, mb = metrics(os.path.join(self.work, a)), metrics(os.path.join(self.work, b))
        self.check(len(ma) == len(mb) and len(ma) > 0, f"{what}: as many epochs")
        for ra, rb in zip(ma, mb):
            for key in ("train_loss", "val_loss", "train_acc", "val_acc", "val_top5"):
                diff = abs(float(ra[key]) - float(rb[key]))
                self.check(diff <= loss_tolerance, f"{what}: epoch {ra['epoch']} {key} {ra[key]} vs {rb[key]}")
        wa = weights(os.path.join(self.work, a, "last.safetensors"))
        wb = weights(os.path.join(self.work, b, "last.safetensors"))
        worst = max(float(np.max(np.abs(wa[name] - wb[name]))) for name in wa)
        self.check(wa.keys() == wb.keys() and worst <= weight_tolerance,
                   f"{what}: final weights differ by at most {worst:.2e}")

    def equivalence(self):
        out = self.run("two", 16, 2, 2)
        self.run("one", 32, 2, 1)
        self.check("data-parallel: 2 processes, gradients over mpi; batch 16 per process, 32 in all" in out,
                   "the run prints the per-process and the global batch")
        self.same_run("two", "one", "2 processes x 16 against 1 x 32")
        events = [f for f in os.listdir(os.path.join(self.work, "two")) if f.startswith("events.out.tfevents")]
        self.check(len(events) == 1, f"one TensorBoard event file (rank 0's): {events}")
        self.check(len(metrics(os.path.join(self.work, "two"))) == 2, "one metrics.csv row per epoch")

    def resume(self):
        const = ["--sched", "const"]  # the schedule does not depend on --epochs
        self.run("two_then_one", 16, 1, 2, const)
        self.run("two_then_one", 32, 2, 1, [*const, "--resume", os.path.join(self.work, "two_then_one")])
        self.run("one_all_along", 32, 2, 1, const)
        self.same_run("two_then_one", "one_all_along", "resumed from 2 processes into 1")
        shutil.copytree(os.path.join(self.work, "two_then_one"), os.path.join(self.work, "other_steps"))
        out = self.run("other_steps", 16, 3, 1, [*const, "--resume", os.path.join(self.work, "other_steps")])
        self.check("this one has 1 and 20" in out, "a resume with other steps per epoch says how it maps them")
        self.check(len(metrics(os.path.join(self.work, "other_steps"))) == 3, "...and trains the remaining epoch")

    def start_long_run(self, out, extra=()):
        """A two-process run of many epochs; returns it and its rank 1's pid once an epoch is done."""
        process = subprocess.Popen(self.command(out, 16, 100000, 2, extra), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        folder = os.path.abspath(os.path.join(self.work, out))
        deadline = time.time() + 120
        while time.time() < deadline:
            if os.path.exists(os.path.join(folder, "last.state.json")):
                for pid in filter(str.isdigit, os.listdir("/proc")):
                    try:
                        with open(f"/proc/{pid}/environ", "rb") as f:
                            environ = f.read().split(b"\0")
                        with open(f"/proc/{pid}/cmdline", "rb") as f:
                            cmdline = f.read()
                    except OSError:
                        continue
                    if b"OMPI_COMM_WORLD_RANK=1" in environ and folder.encode() in cmdline:
                        return process, int(pid)
            time.sleep(0.1)
        process.kill()
        raise RuntimeError(f"{out}: the run did not finish an epoch in 120 s")

    def lost_rank(self, out, sig, extra, message):
        process, rank1 = self.start_long_run(out, extra)
        start = time.time()
        os.kill(rank1, sig)
        try:
            output, _ = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            self.check(False, f"{out}: the run ends within 120 s of losing rank 1")
            return
        seconds = time.time() - start
        self.check(process.returncode != 0, f"{out}: the run exits with an error ({process.returncode}) "
                                            f"{seconds:.1f} s after rank 1 was lost")
        self.check(message in output, f"{out}: it says '{message}'")
        if message not in output:
            print(output[-3000:])
        state = os.path.join(self.work, out, "last.state.json")
        with open(state) as f:
            self.check(json.load(f)["epoch"] >= 1, f"{out}: the last checkpoint is whole")

    def main(self):
        if not os.path.isdir(self.data):
            subprocess.run([os.path.join(os.path.dirname(self.vit_train), "fashion_mnist_to_folder"), "--limit",
                            "320", self.data], check=True, capture_output=True)
        for out in ("two", "one", "two_then_one", "one_all_along", "other_steps", "killed", "stalled"):
            shutil.rmtree(os.path.join(self.work, out), ignore_errors=True)
        self.equivalence()
        self.resume()
        self.lost_rank("killed", signal.SIGKILL, [], "exited on signal 9")
        # Rank 0's watchdog; the collective it waits in depends on where rank 1 stopped.
        self.lost_rank("stalled", signal.SIGSTOP, ["--dist-timeout", "3"], "one of them died or hangs; stopping")
        print(f"check_vit_train: {len(self.failures)} failure(s)")
        return 1 if self.failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mpirun", required=True)
    parser.add_argument("--tools", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    sys.exit(Checks(args.mpirun, args.tools, args.work).main())
