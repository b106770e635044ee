#!/usr/bin/python3
"""Write the golden reference files that the C++ tests compare against.

For every case below this writes tests/golden/<case>.safetensors holding:
  in.<name>    each input (F32; integer labels as I32),
  out          the op's output,
  grad_out     a random normal upstream gradient with the shape of out,
  grad.<name>  d(sum(out * grad_out)) / d(input) for every float input,
and the case's config values (as strings) in "__metadata__".

Inputs are drawn as float32 from a per-case fixed seed, the op and its
gradients are computed by PyTorch in float64, and everything is stored as
float32, so reruns are byte-identical. Regenerating the files needs PyTorch
(Debian's /usr/bin/python3 has it); running the C++ tests does not.

Usage: /usr/bin/python3 tools/make_golden.py [--out tests/golden]
"""
import argparse
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

M32 = 0xFFFFFFFF


def philox4x32(counter, key):
    """Philox4x32-10 with exact 32-bit arithmetic (matches the C++ version)."""
    c0, c1, c2, c3 = counter
    k0, k1 = key & M32, (key >> 32) & M32
    for _ in range(10):
        p0, p1 = 0xD2511F53 * c0, 0xCD9E8D57 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & M32, (p0 >> 32) ^ c3 ^ k1, p0 & M32
        k0, k1 = (k0 + 0x9E3779B9) & M32, (k1 + 0xBB67AE85) & M32
    return c0, c1, c2, c3


def philox_uniform(seed, index):
    """Uniform in [0, 1) with 24 random bits, the `index`-th draw of stream `seed`."""
    w = philox4x32(((index >> 2) & M32, (index >> 34) & M32, 0, 0), seed)
    return (w[index & 3] >> 8) / 16777216.0


def keep_mask(seed, p, n):
    """keep[i] = philox_uniform(seed, i) >= p, as a float64 tensor of length n."""
    return torch.tensor([float(philox_uniform(seed, i) >= p) for i in range(n)], dtype=torch.float64)


# Each case returns (inputs, op, metadata); op takes the inputs as float64
# keyword arguments (integer inputs unchanged) and returns the output.
CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def linear():
    inputs = dict(x=torch.randn(3, 5, 7), weight=torch.randn(6, 7), bias=torch.randn(6))
    return inputs, lambda x, weight, bias: x @ weight.T + bias, {}


@case
def linear_gelu():
    inputs = dict(x=torch.randn(3, 5, 7), weight=torch.randn(6, 7) * 0.5, bias=torch.randn(6))
    return inputs, lambda x, weight, bias: F.gelu(x @ weight.T + bias, approximate="none"), {}


@case
def linear_nobias():
    inputs = dict(x=torch.randn(4, 7), weight=torch.randn(5, 7))
    return inputs, lambda x, weight: x @ weight.T, {}


@case
def patch_embed():
    inputs = dict(images=torch.randn(2, 3, 12, 8), weight=torch.randn(5, 3, 4, 4), bias=torch.randn(5))
    op = lambda images, weight, bias: F.conv2d(images, weight, bias, stride=4).flatten(2).transpose(1, 2)
    return inputs, op, {"patch": 4}


@case
def concat_class_token():
    inputs = dict(cls_token=torch.randn(1, 1, 5), tokens=torch.randn(2, 3, 5))
    return inputs, lambda cls_token, tokens: torch.cat([cls_token.expand(2, 1, 5), tokens], dim=1), {}


@case
def select_token():
    return dict(x=torch.randn(3, 4, 5)), lambda x: x[:, 0, :], {"index": 0}


@case
def mean_tokens():
    # timm's global_pool='avg': x[:, num_prefix_tokens:].mean(dim=1), odd sizes.
    return dict(x=torch.randn(3, 7, 5)), lambda x: x[:, 1:].mean(dim=1), {"first": 1}


@case
def add():
    return dict(a=torch.randn(2, 3, 5), b=torch.randn(2, 3, 5)), lambda a, b: a + b, {}


@case
def add_broadcast():
    return dict(a=torch.randn(2, 3, 5), b=torch.randn(1, 3, 5)), lambda a, b: a + b, {}


@case
def layer_norm():
    eps = 1e-6
    inputs = dict(x=torch.randn(2, 3, 13) * 2 + 1, gamma=torch.randn(13), beta=torch.randn(13))
    op = lambda x, gamma, beta: F.layer_norm(x, (13,), gamma, beta, eps=eps)
    return inputs, op, {"eps": eps}


@case
def add_layer_norm():
    inputs = dict(a=torch.randn(3, 5, 37) * 2, b=torch.randn(3, 5, 37), gamma=1 + 0.1 * torch.randn(37),
                  beta=torch.randn(37))

    def op(a, b, gamma, beta):
        total = a + b
        return total + F.layer_norm(total, (37,), gamma, beta, 1e-6)
    return inputs, op, dict(eps=1e-6)


@case
def gelu():
    return dict(x=torch.rand(3, 7) * 8 - 4), lambda x: F.gelu(x, approximate="none"), {}


@case
def tanh():
    return dict(x=torch.rand(3, 7) * 6 - 3), torch.tanh, {}


@case
def attention():
    B, N, H, hd = 2, 7, 3, 4

    def op(qkv):
        q, k, v = qkv.reshape(B, N, 3, H, hd).permute(2, 0, 3, 1, 4)
        attn = torch.softmax(q @ k.transpose(-2, -1) * hd**-0.5, dim=-1)
        return (attn @ v).transpose(1, 2).reshape(B, N, H * hd)

    return dict(qkv=torch.randn(B, N, 3 * H * hd)), op, {"heads": H}


@case
def dropout():
    p, seed = 0.3, 1234
    keep = keep_mask(seed, p, 4 * 9).reshape(4, 9)
    return dict(x=torch.randn(4, 9)), lambda x: x * keep / (1 - p), {"p": p, "seed": seed}


@case
def drop_path():
    p, seed = 0.4, 77
    keep = keep_mask(seed, p, 5).reshape(5, 1, 1)
    return dict(x=torch.randn(5, 3, 4)), lambda x: x * keep / (1 - p), {"p": p, "seed": seed}


def cross_entropy_case(smoothing):
    inputs = dict(logits=torch.randn(6, 5), labels=torch.randint(0, 5, (6,), dtype=torch.int32))
    op = lambda logits, labels: F.cross_entropy(logits, labels.long(), label_smoothing=smoothing)
    return inputs, op, {"label_smoothing": smoothing}


@case
def cross_entropy():
    return cross_entropy_case(0.1)


@case
def cross_entropy_plain():
    return cross_entropy_case(0.0)


@case
def mean():
    return dict(x=torch.randn(3, 4, 5)), lambda x: x.mean(), {}


def write_safetensors(path, tensors, metadata):
    """Minimal safetensors writer: u64 header length, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        dtype, np_dtype = ("I32", "<i4") if t.dtype == torch.int32 else ("F32", "<f4")
        data = t.detach().numpy().astype(np_dtype).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def run_case(fn):
    torch.manual_seed(zlib.crc32(fn.__name__.encode()))
    inputs, op, metadata = fn()
    args = {k: v.double().requires_grad_() if v.is_floating_point() else v for k, v in inputs.items()}
    out = op(**args)
    grad_out = torch.randn(out.shape).double()
    diff = [k for k, v in args.items() if v.is_floating_point()]
    grads = torch.autograd.grad(out, [args[k] for k in diff], grad_out)
    tensors = {f"in.{k}": v for k, v in inputs.items()}
    tensors.update({"out": out.float(), "grad_out": grad_out.float()})
    tensors.update({f"grad.{k}": g.float() for k, g in zip(diff, grads)})
    return tensors, {k: str(v) for k, v in metadata.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "tests" / "golden")
    out_dir = parser.parse_args().out
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    for fn in CASES:
        path = out_dir / f"{fn.__name__}.safetensors"
        write_safetensors(path, *run_case(fn))
        print(f"{path}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
