#!/usr/bin/env python3
"""Writes a small learnable image folder with the standard library alone (no PIL, no data set):
ROOT/train/<class>/*.bmp and ROOT/val/<class>/*.bmp, 24-bit RGB. Each class is a stripe pattern of
its own orientation and colour under random noise and shifts, the same for the same seed.
scripts/gpu-check trains on it where no data set is installed.

  tools/make_synthetic_folder.py ROOT [--classes 4] [--per-class 64] [--size 32] [--seed 0]
"""
import argparse
import random
import struct
from pathlib import Path


def bmp_bytes(pixels, size):
    """pixels: rows top to bottom of (r, g, b); BMP stores them bottom-up as BGR, rows padded to 4."""
    row_bytes = (3 * size + 3) // 4 * 4
    body = bytearray()
    for row in reversed(pixels):
        line = bytearray()
        for r, g, b in row:
            line += bytes((b, g, r))
        body += line + bytes(row_bytes - len(line))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(body), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, size, size, 1, 24, 0, len(body), 2835, 2835, 0, 0)
    return header + info + bytes(body)


def image(label, size, rng):
    colour = [(60 + 150 * ((label >> bit) & 1)) for bit in range(3)]
    horizontal, period, shift = label % 2 == 0, 4 + label // 2 % 4, rng.randrange(8)
    pixels = []
    for y in range(size):
        row = []
        for x in range(size):
            on = ((y if horizontal else x) + shift) // period % 2 == 0
            row.append(tuple(max(0, min(255, (c if on else 255 - c) + rng.randrange(-40, 41))) for c in colour))
        pixels.append(row)
    return bmp_bytes(pixels, size)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root", type=Path)
    p.add_argument("--classes", type=int, default=4)
    p.add_argument("--per-class", type=int, default=64)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = random.Random(a.seed)
    for split, count in (("train", a.per_class), ("val", max(1, a.per_class // 4))):
        for label in range(a.classes):
            folder = a.root / split / f"class_{label}"
            folder.mkdir(parents=True, exist_ok=True)
            for index in range(count):
                (folder / f"{index:04d}.bmp").write_bytes(image(label, a.size, rng))
    print(f"wrote {a.classes} classes of {a.per_class} training images ({a.size}x{a.size}) to {a.root}")


if __name__ == "__main__":
    main()
