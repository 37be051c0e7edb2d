#!/usr/bin/python3
"""The PyTorch peer of `erase-core bench loader`: torchvision's ImageFolder + DataLoader on the same folder with
the same transforms (training: RandomResizedCrop(224) + RandomHorizontalFlip; --eval: Resize(256) +
CenterCrop(224)), ToTensor and ImageNet normalisation, shuffled, the same batch size and worker count.
Prints the same key=value lines (images_per_s over the timed batches, after one untimed batch).

  pytorch_loader.py --folder DIR [--size 224] [--batch 64] [--batches 10] [--workers 2] [--eval]
"""
import argparse
import os
import time

import torch
import torchvision
from torchvision import transforms as T


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--folder", required=True)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--batches", type=int, default=10)
    p.add_argument("--workers", type=int, default=os.cpu_count())
    p.add_argument("--eval", action="store_true")
    a = p.parse_args()
    norm = T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    if a.eval:
        tf = T.Compose([T.Resize(int(a.size / 0.875)), T.CenterCrop(a.size), T.ToTensor(), norm])
    else:
        tf = T.Compose([T.RandomResizedCrop(a.size), T.RandomHorizontalFlip(), T.ToTensor(), norm])
    data = torchvision.datasets.ImageFolder(os.path.join(a.folder, "train"), tf)
    loader = torch.utils.data.DataLoader(data, batch_size=a.batch, shuffle=True, num_workers=a.workers, drop_last=True)
    seen = -1
    start = None
    for images, labels in loader:
        seen += 1
        if seen == 0:
            start = time.perf_counter()
        if seen == a.batches:
            break
    seconds = time.perf_counter() - start
    print("bench=loader_pytorch")
    print(f"torch={torch.__version__}")
    print(f"torchvision={torchvision.__version__}")
    print(f"workers={a.workers}")
    print(f"transform={'eval' if a.eval else 'train'}")
    print(f"images_per_s={a.batches * a.batch / seconds:.1f}")


if __name__ == "__main__":
    main()
