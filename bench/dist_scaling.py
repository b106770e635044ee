#!/usr/bin/env python3
"""Data-parallel scaling on this machine's cores (docs/distributed.md): vit_train's training
images/s for one process with 2 OpenMP threads against `mpirun -np 2` with 1 thread each, on the
main job's model (Fashion-MNIST at 28x28) and on ViT-S/16 at 224 (Fashion-MNIST upscaled), each
pair run back to back, `--repeats` times. The figure is the last epoch's images_per_s of
metrics.csv (the first epoch warms caches up); it prints each ratio and their spread.
  bench/dist_scaling.py [--build build] [--repeats 3]
"""
import argparse
import csv
import os
import shutil
import subprocess
import tempfile

MAIN_JOB = ["--model", "custom", "--img-size", "28", "--in-channels", "1", "--patch-size", "7", "--dim", "64",
            "--depth", "4", "--heads", "4", "--mlp-ratio", "2", "--batch-size", "128", "--lr", "2e-3",
            "--scale-min", "0.7", "--crop-pct", "1", "--epochs", "2"]
VIT_S16 = ["--model", "vit_s16", "--img-size", "224", "--in-channels", "1", "--batch-size", "32", "--epochs", "2"]


def images_per_second(build, data, flags, processes, threads, out):
    shutil.rmtree(out, ignore_errors=True)
    train = [os.path.join(build, "tools", "vit_train"), "--data", data, "--out", out, "--workers", "1", *flags]
    if processes > 1:
        train = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(processes), *train]
        # Per-process batch: the global batch stays the one process's.
        at = train.index("--batch-size") + 1
        train[at] = str(int(train[at]) // processes)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    subprocess.run(train, check=True, env=env, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "metrics.csv")) as f:
        return float(list(csv.DictReader(f))[-1]["images_per_s"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="dist_scaling.")
    convert = os.path.join(args.build, "tools", "fashion_mnist_to_folder")
    full, small = os.path.join(work, "fm"), os.path.join(work, "fm_small")
    subprocess.run([convert, full], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([convert, "--limit", "160", small], check=True, stdout=subprocess.DEVNULL)
    print("| model | 1 process x 2 threads (img/s) | 2 processes x 1 thread (img/s) | ratio |")
    print("|---|---|---|---|")
    for name, data, flags in (("main job (patch 7, dim 64, depth 4), 60000 images", full, MAIN_JOB),
                              ("ViT-S/16 at 224, 160 images", small, VIT_S16)):
        ratios = []
        for _ in range(args.repeats):
            one = images_per_second(args.build, data, flags, 1, 2, os.path.join(work, "one"))
            two = images_per_second(args.build, data, flags, 2, 1, os.path.join(work, "two"))
            ratios.append(two / one)
            print(f"| {name} | {one:.1f} | {two:.1f} | {two / one:.2f} |", flush=True)
        print(f"<!-- {name}: ratio {min(ratios):.2f}-{max(ratios):.2f} over {len(ratios)} pairs -->", flush=True)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
