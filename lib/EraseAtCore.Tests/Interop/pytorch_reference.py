#!/usr/bin/python3
"""PyTorch side of the interop tests and of notebook 06's fixtures (Debian's python3-torch and
python3-torchvision). Writes torchvision models as PyTorch files and their outputs as .npy, and loads
files the kit exported with strict=True.

  make ARCH CLASSES OUT_DIR [--as pth|tar|dataparallel] [--seed S] [--images N] [--size PX]
      OUT_DIR/weights.pth (or .tar), input.npy (N x 3 x PX x PX, default 224), logits.npy and one .npy per stage
      (N x C x H x W), computed in eval mode.
  load ARCH CLASSES WEIGHTS INPUT OUT_DIR
      load_state_dict(torch.load(WEIGHTS), strict=True), then logits.npy and stage outputs of INPUT.
"""
import argparse
import os

import numpy as np
import torch
import torchvision

STAGES = {"resnet18": ["layer1", "layer2", "layer3", "layer4"],
          "resnet34": ["layer1", "layer2", "layer3", "layer4"],
          "resnet50": ["layer1", "layer2", "layer3", "layer4"],
          "swin_t": ["stage1", "stage2", "stage3", "stage4"]}


def build(arch, classes):
    return getattr(torchvision.models, arch)(num_classes=classes)


def forward_with_stages(model, arch, x):
    """Logits and the stage outputs the kit names, computed by torchvision's own modules."""
    stages = {}
    if arch.startswith("resnet"):
        h = model.maxpool(model.relu(model.bn1(model.conv1(x))))
        for name in STAGES[arch]:
            h = getattr(model, name)(h)
            stages[name] = h
    else:
        h = x
        for i, part in enumerate(model.features):
            h = part(h)
            if i % 2 == 1:
                stages[f"stage{i // 2 + 1}"] = h.permute(0, 3, 1, 2)   # N H W C -> N C H W
    return model(x), stages


def write_outputs(model, arch, x, out):
    with torch.no_grad():
        logits, stages = forward_with_stages(model, arch, x)
    np.save(os.path.join(out, "logits.npy"), logits.numpy().astype(np.float32))
    for name, value in stages.items():
        np.save(os.path.join(out, name + ".npy"), value.contiguous().numpy().astype(np.float32))


def calibrate_batch_norm(model, images):
    """Random weights with realistic BatchNorm statistics: running averages of a few forward passes."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if not bns:
        return
    for bn in bns:
        bn.momentum = None   # cumulative average
        with torch.no_grad():
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(images)


def make(args):
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    model = build(args.arch, args.classes)
    x = torch.randn(args.images, 3, args.size, args.size)
    calibrate_batch_norm(model, torch.randn(4, 3, 224, 224))
    model.eval()
    sd = model.state_dict()
    if args.as_ == "tar":
        torch.save({"epoch": 3, "arch": args.arch, "state_dict": sd, "best_acc1": 0.5}, os.path.join(args.out, "weights.tar"))
    elif args.as_ == "dataparallel":
        torch.save({"module." + k: v for k, v in sd.items()}, os.path.join(args.out, "weights.pth"))
    else:
        torch.save(sd, os.path.join(args.out, "weights.pth"))
    np.save(os.path.join(args.out, "input.npy"), x.numpy())
    write_outputs(model, args.arch, x, args.out)


def load(args):
    os.makedirs(args.out, exist_ok=True)
    model = build(args.arch, args.classes)
    model.load_state_dict(torch.load(args.weights), strict=True)
    model.eval()
    write_outputs(model, args.arch, torch.from_numpy(np.load(args.input)), args.out)
    print("strict load ok")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("arch", choices=sorted(STAGES))
    m.add_argument("classes", type=int)
    m.add_argument("out")
    m.add_argument("--as", dest="as_", choices=["pth", "tar", "dataparallel"], default="pth")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--images", type=int, default=2)
    m.add_argument("--size", type=int, default=224)
    m.set_defaults(run=make)
    l = sub.add_parser("load")
    l.add_argument("arch", choices=sorted(STAGES))
    l.add_argument("classes", type=int)
    l.add_argument("weights")
    l.add_argument("input")
    l.add_argument("out")
    l.set_defaults(run=load)
    args = parser.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    args.run(args)


if __name__ == "__main__":
    main()
