#!/usr/bin/python3
"""PyTorch twins of the CUDA kernel benchmarks (bench/cuda/*.cpp), on the same GPU and shapes:
scaled_dot_product_attention pinned to its flash and its cuDNN backend, F.layer_norm, bias + GELU,
F.linear with bias at the ViT-B/16 shapes, and torch's fused AdamW. Each is timed with CUDA
events over several launches after a warm-up, on random data, median of 7 timings. Writes one JSON
list (name, seconds, flops, bytes, peak: what the figure is compared with) for
scripts/gpu_report.py, and prints a line per twin.

  python3 bench/kernels_torch.py --json out.json [--batch 64]

Needs a CUDA build of PyTorch (scripts/gpu-check runs it on the GPU machine).
"""
import argparse
import json
import statistics
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


def time_it(fn, repeats=20, timings=7):
    fn()
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    seconds = []
    for _ in range(timings):
        start.record()
        for _ in range(repeats):
            fn()
        stop.record()
        stop.synchronize()
        seconds.append(start.elapsed_time(stop) / 1e3 / repeats)
    return statistics.median(seconds)


def attention(batch, results):
    tokens, heads, head_dim = 197, 12, 64
    flops = 4.0 * batch * heads * tokens * tokens * head_dim
    q, k, v = (torch.randn(batch, heads, tokens, head_dim, device="cuda", dtype=torch.bfloat16, requires_grad=True)
               for _ in range(3))
    dout = torch.randn_like(q)
    for backend, label in ((SDPBackend.FLASH_ATTENTION, "flash"), (SDPBackend.CUDNN_ATTENTION, "cudnn")):
        try:
            with sdpa_kernel(backend):
                forward = lambda: F.scaled_dot_product_attention(q, k, v)  # noqa: E731
                results.append(dict(name=f"attention_forward sdpa[{label}] bf16 B{batch} N197 12x64",
                                    seconds=time_it(forward), flops=flops, peak="bf16_tensor"))
                both = lambda: torch.autograd.grad(forward(), (q, k, v), dout)  # noqa: E731
                results.append(dict(name=f"attention_forward_backward sdpa[{label}] bf16 B{batch} N197 12x64",
                                    seconds=time_it(both), flops=3.5 * flops, peak="bf16_tensor"))
        except RuntimeError as error:  # a backend this PyTorch or GPU lacks
            print(f"kernels_torch: sdpa[{label}] unavailable: {str(error).splitlines()[0]}", file=sys.stderr)


def layer_norm(batch, results):
    for dim in (768, 384):
        rows = batch * 197
        x = torch.randn(rows, dim, device="cuda", dtype=torch.bfloat16, requires_grad=True)
        weight = torch.randn(dim, device="cuda", dtype=torch.bfloat16, requires_grad=True)
        bias = torch.randn(dim, device="cuda", dtype=torch.bfloat16, requires_grad=True)
        dy = torch.randn_like(x)
        forward = lambda: F.layer_norm(x, (dim,), weight, bias, 1e-6)  # noqa: E731
        results.append(dict(name=f"layernorm_forward F.layer_norm bf16 [{rows},{dim}]", seconds=time_it(forward),
                            bytes=2.0 * rows * dim * 2, peak="bandwidth"))
        y = forward()
        backward = lambda: torch.autograd.grad(y, (x, weight, bias), dy, retain_graph=True)  # noqa: E731
        results.append(dict(name=f"layernorm_backward autograd bf16 [{rows},{dim}]", seconds=time_it(backward),
                            bytes=3.0 * rows * dim * 2, peak="bandwidth"))


def gelu(batch, results):
    rows, cols = batch * 197, 3072
    x = torch.randn(rows, cols, device="cuda", dtype=torch.bfloat16)
    results.append(dict(name=f"gelu_forward F.gelu(x) bf16 [{rows},{cols}]",
                        seconds=time_it(lambda: F.gelu(x)), bytes=2.0 * rows * cols * 2, peak="bandwidth"))


def linear(batch, results):
    rows = batch * 197
    for name, n, k in (("vit_s qkv", 1152, 384), ("vit_b qkv", 2304, 768), ("vit_b proj", 768, 768),
                       ("vit_b fc1", 3072, 768), ("vit_b fc2", 768, 3072)):
        for dtype, peak in ((torch.bfloat16, "bf16_tensor"), (torch.float32, "f32")):
            x = torch.randn(rows, k, device="cuda", dtype=dtype)
            w = torch.randn(n, k, device="cuda", dtype=dtype)
            b = torch.randn(n, device="cuda", dtype=dtype)
            label = "bf16" if dtype == torch.bfloat16 else "f32 (tf32 off)"
            results.append(dict(name=f"linear F.linear+bias {label} {name} [{rows},{k}]x[{n},{k}]^T",
                                seconds=time_it(lambda: F.linear(x, w, b)), flops=2.0 * rows * n * k, peak=peak))


def adamw(results):
    # ViT-B/16's parameter shapes in one flat list: about 86M float32 parameters.
    shapes = [(768, 3, 16, 16), (768,), (1, 1, 768), (1, 197, 768)]
    for _ in range(12):
        shapes += [(768,), (768,), (2304, 768), (2304,), (768, 768), (768,), (768,), (768,), (3072, 768), (3072,),
                   (768, 3072), (768,)]
    shapes += [(768,), (768,), (1000, 768), (1000,)]
    params = [torch.randn(s, device="cuda", requires_grad=True) for s in shapes]
    for p in params:
        p.grad = torch.randn_like(p)
    count = sum(p.numel() for p in params)
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.05, fused=True)
    results.append(dict(name=f"adamw torch fused, {count / 1e6:.1f}M f32 parameters", seconds=time_it(opt.step, 5),
                        bytes=28.0 * count, peak="bandwidth"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", required=True)
    p.add_argument("--batch", type=int, default=64)
    a = p.parse_args()
    if not torch.cuda.is_available():
        sys.exit("kernels_torch: this PyTorch sees no CUDA device.")
    torch.backends.cuda.matmul.allow_tf32 = False
    results = []
    for bench in (lambda: attention(a.batch, results), lambda: layer_norm(a.batch, results),
                  lambda: gelu(a.batch, results), lambda: linear(a.batch, results), lambda: adamw(results)):
        bench()
        torch.cuda.empty_cache()
    for r in results:
        print(f"{r['name']}: {r['seconds'] * 1e6:.1f} us")
    with open(a.json, "w") as out:
        json.dump(dict(device=torch.cuda.get_device_name(), torch=torch.__version__, results=results), out, indent=1)


if __name__ == "__main__":
    main()
