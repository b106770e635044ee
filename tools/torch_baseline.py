#!/usr/bin/python3
"""The PyTorch twin of a vit_train run, for the comparison in docs/main-job.md: timm's
VisionTransformer with the same config, torchvision's ImageFolder and transforms, AdamW with a
per-step cosine schedule and warmup, the same batch size and threads. Prints per-epoch training
images/s (model step only, and end to end) and validation accuracy.

  /usr/bin/python3 tools/torch_baseline.py data/fashion-mnist [--epochs 5] [--max-steps N]

Needs Debian's python3-torch and python3-torchvision, and timm in .golden-deps/
(scripts/install-deps --golden).
"""
import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / ".golden-deps"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from timm.models.vision_transformer import VisionTransformer  # noqa: E402
from torchvision import datasets, transforms  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", type=Path)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--max-steps", type=int, default=0, help="stop each epoch after N steps (speed only)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--patch-size", type=int, default=4)
    p.add_argument("--depth", type=int, default=6)
    p.add_argument("--mlp-ratio", type=float, default=4.0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup-epochs", type=float, default=0.5)
    p.add_argument("--scale-min", type=float, default=1.0, help="RandomResizedCrop smallest area (1: no crop)")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    norm = transforms.Normalize([0.5], [0.5])
    train_tf = transforms.Compose([transforms.Grayscale(1), transforms.RandomResizedCrop(28, scale=(a.scale_min, 1.0)),
                                   transforms.RandomHorizontalFlip(), transforms.ToTensor(), norm])
    val_tf = transforms.Compose([transforms.Grayscale(1), transforms.ToTensor(), norm])
    train = torch.utils.data.DataLoader(datasets.ImageFolder(a.data / "train", train_tf), batch_size=128,
                                        shuffle=True, num_workers=a.workers, drop_last=False)
    val = torch.utils.data.DataLoader(datasets.ImageFolder(a.data / "val", val_tf), batch_size=256,
                                      num_workers=a.workers)
    model = VisionTransformer(img_size=28, patch_size=a.patch_size, in_chans=1, num_classes=10, embed_dim=64, depth=a.depth,
                              num_heads=4, mlp_ratio=a.mlp_ratio)
    decay = [q for n, q in model.named_parameters() if q.ndim > 1 and n not in ("cls_token", "pos_embed")]
    rest = [q for n, q in model.named_parameters() if not (q.ndim > 1 and n not in ("cls_token", "pos_embed"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": rest, "weight_decay": 0.0}], lr=a.lr)
    steps_per_epoch = len(train)
    warmup = max(1, round(steps_per_epoch * a.warmup_epochs))
    total = steps_per_epoch * a.epochs
    step = 0
    for epoch in range(a.epochs):
        model.train()
        start, model_seconds, seen = time.time(), 0.0, 0
        for i, (x, y) in enumerate(train):
            if a.max_steps and i >= a.max_steps:
                break
            lr = a.lr * (0.01 + (1 - 0.01) * step / warmup) if step < warmup else \
                a.lr * ((1 + math.cos(math.pi * (step - warmup) / (total - warmup))) / 2 * 0.99 + 0.01)
            for g in opt.param_groups:
                g["lr"] = lr
            t = time.time()
            loss = F.cross_entropy(model(x), y, label_smoothing=a.label_smoothing)
            opt.zero_grad()
            loss.backward()
            opt.step()
            model_seconds += time.time() - t
            seen += len(y)
            step += 1
        wall = time.time() - start
        model.eval()
        correct = count = 0
        with torch.no_grad():
            for x, y in val:
                correct += (model(x).argmax(1) == y).sum().item()
                count += len(y)
        print(f"epoch {epoch + 1}/{a.epochs}: loss {loss.item():.4f} | model step {seen / model_seconds:.0f} img/s, "
              f"end to end {seen / wall:.0f} img/s | val top-1 {100 * correct / count:.2f}%", flush=True)


if __name__ == "__main__":
    main()
