#!/usr/bin/python3
"""PIL + torchvision baseline for bench/data_pipeline.cpp: the same per-image work on the same
files, in one thread, so images/s is per core.

    VIT_BENCH_DATA_DIR=/tmp/vit_jpegs build/bench/bench_data_pipeline   # writes the 64 JPEGs
    /usr/bin/python3 bench/data_pipeline_torchvision.py /tmp/vit_jpegs

Needs Debian's python3-torch, python3-torchvision and python3-pil (not a pyenv python).
"""
import glob
import sys
import time

import torch
from PIL import Image
from torchvision import transforms

MEAN, STD = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)


def load(path):
    with open(path, "rb") as f:  # torchvision.datasets.folder.pil_loader
        return Image.open(f).convert("RGB")


def rate(name, paths, transform, min_seconds=3.0):
    done, start = 0, time.perf_counter()
    while True:
        for path in paths:
            transform(load(path))
        done += len(paths)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            break
    print(f"{name:40s} {done / elapsed:8.1f} images/s")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    paths = sorted(glob.glob(f"{sys.argv[1]}/*/*.jpg"))
    if not paths:
        sys.exit(f"no .jpg files under {sys.argv[1]}/<class>/; run bench_data_pipeline first")
    torch.set_num_threads(1)
    normalize = [transforms.ToTensor(), transforms.Normalize(MEAN, STD)]
    rate("decode only (PIL)", paths, lambda image: image)
    rate("train: RandomResizedCrop+flip+normalize", paths, transforms.Compose(
        [transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip()] + normalize))
    rate("eval: Resize(256)+CenterCrop(224)+normalize", paths, transforms.Compose(
        [transforms.Resize(256), transforms.CenterCrop(224)] + normalize))


if __name__ == "__main__":
    main()
