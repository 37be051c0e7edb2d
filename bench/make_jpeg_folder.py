#!/usr/bin/python3
"""Writes an ImageNet-style folder of photo-sized JPEGs for the loader benchmark (not committed data).

  make_jpeg_folder.py OUT [--classes 10] [--train 64] [--val 8] [--seed 0]

Images are 500 x 375 or 375 x 500 (ImageNet's most common sizes), quality 90, smooth colour fields with
texture and noise, so a JPEG decoder does the work it does on photos. Needs PIL and numpy (Debian's
python3-pil and python3-numpy, installed with python3-torchvision).
"""
import argparse
import os

import numpy as np
from PIL import Image


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--train", type=int, default=64)
    p.add_argument("--val", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    for split, count in (("train", a.train), ("val", a.val)):
        for c in range(a.classes):
            folder = os.path.join(a.out, split, f"n{c:08d}")
            os.makedirs(folder, exist_ok=True)
            for i in range(count):
                w, h = (500, 375) if rng.random() < 0.7 else (375, 500)
                y, x = np.mgrid[0:h, 0:w].astype(np.float32)
                base = rng.uniform(0, 255, 3)
                freq = rng.uniform(0.01, 0.08, 3)
                img = np.stack([base[k] / 2 + 60 * np.sin(freq[k] * x + c) + 60 * np.cos(freq[k] * y) for k in range(3)], -1)
                img += rng.normal(0, 12, img.shape)
                Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(os.path.join(folder, f"{split}_{i:04d}.JPEG"), quality=90)


if __name__ == "__main__":
    main()
