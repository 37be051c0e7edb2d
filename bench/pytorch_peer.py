#!/usr/bin/python3
"""PyTorch peer of `erase-core bench train`: the same CIFAR-style ResNet-18 and the same training step.

The model matches lib/EraseAtCore/Models/ResNet.cs (the pytorch-cifar definition): 3x3 stem conv (stride 1,
no max-pool) + BN + ReLU; BasicBlocks [2, 2, 2, 2] with widths w, 2w, 4w, 8w and strides 1, 2, 2, 2, a 1x1
conv + BN shortcut where the shape changes; global average pooling; a linear classifier. A step is what the
kit times: zero_grad, forward, cross-entropy, backward, SGD (momentum 0.9, weight decay 5e-4) on one fixed
random batch. Prints the same key=value lines as the kit, so bench/peer.sh can compare the two.

Usage: /usr/bin/python3 bench/pytorch_peer.py [--width 16] [--batch 128] [--size 28] [--channels 1]
       [--classes 10] [--steps 20] [--warmup 5] [--threads 2]
Needs Debian's python3-torch (PyTorch 1.13) or any later PyTorch.
"""
import argparse
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + self.shortcut(x))


class ResNet18(nn.Module):
    def __init__(self, in_channels=1, classes=10, width=16):
        super().__init__()
        w = width
        self.in_planes = w
        self.conv1 = nn.Conv2d(in_channels, w, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.layer1 = self._stage(w, 2, 1)
        self.layer2 = self._stage(2 * w, 2, 2)
        self.layer3 = self._stage(4 * w, 2, 2)
        self.layer4 = self._stage(8 * w, 2, 2)
        self.linear = nn.Linear(8 * w, classes)

    def _stage(self, planes, count, stride):
        layers = []
        for i in range(count):
            layers.append(BasicBlock(self.in_planes, planes, stride if i == 0 else 1))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.linear(F.adaptive_avg_pool2d(x, 1).flatten(1))


def peak_rss_mib():
    # VmHWM, as the kit reads it (ru_maxrss is the same figure in KiB on Linux).
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=2, help="intra-op threads (match the kit's get_num_threads())")
    a = p.parse_args()
    if a.steps <= 0 or a.warmup < 0 or a.batch <= 0 or a.size <= 0:
        p.error("steps, batch and size must be positive, warm-up not negative")

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = ResNet18(a.channels, a.classes, a.width).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(a.batch, a.channels, a.size, a.size)
    y = torch.randint(0, a.classes, (a.batch,))
    times = []
    for i in range(a.warmup + a.steps):
        start = time.perf_counter()
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        if i >= a.warmup:
            times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    lines = [
        ("bench", "train"), ("device", "cpu"), ("threads", torch.get_num_threads()),
        ("onednn_isa_cap", os.environ.get("ONEDNN_MAX_CPU_ISA", "none")), ("libtorch", torch.__version__),
        ("impl", "pytorch"), ("arch", "resnet18"), ("width", a.width), ("batch", a.batch), ("size", a.size),
        ("channels", a.channels), ("steps", a.steps), ("warmup", a.warmup),
        ("parameters", sum(p.numel() for p in model.parameters())),
        ("train_step_ms", f"{median:.2f}"), ("train_step_ms_min", f"{min(times):.2f}"),
        ("train_step_ms_max", f"{max(times):.2f}"), ("images_per_s", f"{a.batch * 1000 / median:.1f}"),
        ("peak_rss_mib", f"{peak_rss_mib():.0f}"),
    ]
    for k, v in lines:
        print(f"{k}={v}")


if __name__ == "__main__":
    main()
