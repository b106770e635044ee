#!/usr/bin/python3
"""PyTorch twin of bench_cuda_train_step: one training step (forward, label-smoothed cross-entropy,
backward, AdamW) of timm's ViT at 224 on the GPU, with bf16 autocast or in f32, random images and
labels. Prints images/s over the timed steps (after warm-up), synchronising after each step like
the C++ benchmark.

  python3 bench/train_step_torch.py [--model vit_base_patch16_224] [--batch 64] [--amp bf16|off]
                                   [--compile] [--json FILE]

--compile wraps the model in torch.compile (its compilation stays in the warm-up); --json appends
the figure to FILE's list (scripts/gpu-check's report).

Needs a CUDA build of PyTorch and timm (Debian's python3-torch is CPU-only: run it where a GPU
PyTorch is installed, on the same GPU as the C++ benchmark).
"""
import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / ".golden-deps"))

import timm  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="vit_base_patch16_224")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--amp", choices=["bf16", "off"], default="bf16")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--compile", action="store_true")
    p.add_argument("--json")
    a = p.parse_args()
    if not torch.cuda.is_available():
        sys.exit("train_step_torch: this PyTorch sees no CUDA device.")
    device = torch.device("cuda")
    model = timm.create_model(a.model, num_classes=1000).to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)
    forward = torch.compile(model) if a.compile else model
    images = torch.randn(a.batch, 3, 224, 224, device=device)
    labels = torch.randint(0, 1000, (a.batch,), device=device)

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=a.amp == "bf16"):
            loss = F.cross_entropy(forward(images), labels, label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        torch.cuda.synchronize()

    for _ in range(3):
        step()
    torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(a.steps):
        step()
    seconds = time.perf_counter() - start
    mode = "torch.compile" if a.compile else "eager"
    print(f"{a.model} batch {a.batch} amp {a.amp} {mode} on {torch.cuda.get_device_name()}: "
          f"{a.batch * a.steps / seconds:.0f} images/s ({1e3 * seconds / a.steps:.1f} ms/step)")
    if a.json:
        path = Path(a.json)
        results = json.loads(path.read_text()) if path.exists() else []
        results.append(dict(name=f"timm {a.model} batch {a.batch} amp {a.amp} {mode}", batch=a.batch,
                            seconds_per_step=seconds / a.steps, images_per_s=a.batch * a.steps / seconds,
                            peak_mib=torch.cuda.max_memory_allocated() / 2**20))
        path.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
