#!/usr/bin/python3
"""Write the model-level golden files: a tiny ViT built by timm and by torchvision, its logits,
loss and gradients, 10 optimizer steps, and timm's position-embedding resampling.

Files (in tests/golden/):
  vit_tiny_timm_weights.safetensors         a timm state_dict, as a user's checkpoint would be
  vit_tiny_timm.safetensors                 in.images, in.labels, out (logits), loss, grad.<param>
  vit_tiny_timm_avg_weights.safetensors,
  vit_tiny_timm_avg.safetensors             the same with global_pool='avg' (mean of the patch
                                            tokens, fc_norm instead of norm)
  vit_tiny_torchvision_weights.safetensors  a torchvision vit state_dict (with pre-logits)
  vit_tiny_torchvision.safetensors          in.images, out (logits)
  adamw_steps.safetensors, sgd_steps.safetensors
                                            init.<param>, in.images, in.labels, losses [10] and
                                            final.<param> after 10 steps
  pos_embed_resample.safetensors            in.pos_embed, out.up (to 5x5), out.down (to 2x2)
Everything is computed in float64 and stored as float32. The models are timm 0.9.16's
VisionTransformer and torchvision's VisionTransformer, so these files check vitcuda against the
real libraries, not a re-implementation. Needs `scripts/install-deps --golden` (Debian's
python3-torch and python3-torchvision, and timm from PyPI into .golden-deps/).

Usage: /usr/bin/python3 tools/make_golden_model.py [--out tests/golden]
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".golden-deps"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from timm.layers import resample_abs_pos_embed  # noqa: E402
from timm.models.vision_transformer import VisionTransformer  # noqa: E402
from timm.optim.optim_factory import param_groups_weight_decay  # noqa: E402
from torchvision.models.vision_transformer import VisionTransformer as TorchvisionViT  # noqa: E402

from make_golden import write_safetensors  # noqa: E402

# The tiny model: 12x12 images, 4x4 patches (9 tokens + class token), dim 12, 3 heads, MLP 24.
CONFIG = dict(image_size=12, patch_size=4, dim=12, depth=2, heads=3, mlp_ratio=2.0, classes=5)
SMOOTHING = 0.1
STEPS = 10


def metadata():
    return {k: str(v) for k, v in CONFIG.items()} | {"label_smoothing": str(SMOOTHING)}


def randomize(model):
    """Random values everywhere, so that zero biases or unit norms hide no bug."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape) * 0.3)
    return model.double()


def timm_model(global_pool="token"):
    c = CONFIG
    return randomize(VisionTransformer(img_size=c["image_size"], patch_size=c["patch_size"], in_chans=3,
                                       num_classes=c["classes"], embed_dim=c["dim"], depth=c["depth"],
                                       num_heads=c["heads"], mlp_ratio=c["mlp_ratio"], global_pool=global_pool))


def batch():
    images = torch.randn(3, 3, CONFIG["image_size"], CONFIG["image_size"])
    labels = torch.tensor([1, 4, 0], dtype=torch.int32)
    return images, labels


def state_dict_f32(model):
    return {k: v.float() for k, v in model.state_dict().items()}


def timm_forward_backward(out_dir, global_pool="token"):
    model = timm_model(global_pool)
    assert (global_pool == "avg") == isinstance(model.norm, torch.nn.Identity)
    images, labels = batch()
    logits = model(images.double())
    loss = F.cross_entropy(logits, labels.long(), label_smoothing=SMOOTHING)
    loss.backward()
    tensors = {"in.images": images, "in.labels": labels, "out": logits.float(), "loss": loss.float().reshape(1)}
    tensors |= {f"grad.{n}": p.grad.float() for n, p in model.named_parameters()}
    name = "vit_tiny_timm" if global_pool == "token" else f"vit_tiny_timm_{global_pool}"
    write_safetensors(out_dir / f"{name}_weights.safetensors", state_dict_f32(model), {})
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata() | ({} if global_pool == "token" else {"global_pool": global_pool}))
    return model


def torchvision_forward(out_dir):
    c = CONFIG
    model = randomize(TorchvisionViT(image_size=c["image_size"], patch_size=c["patch_size"], num_layers=c["depth"],
                                     num_heads=c["heads"], hidden_dim=c["dim"], mlp_dim=int(c["dim"] * c["mlp_ratio"]),
                                     num_classes=c["classes"], representation_size=7))
    images, _ = batch()
    logits = model(images.double())
    write_safetensors(out_dir / "vit_tiny_torchvision_weights.safetensors", state_dict_f32(model), {})
    write_safetensors(out_dir / "vit_tiny_torchvision.safetensors", {"in.images": images, "out": logits.float()},
                      metadata() | {"representation_size": "7"})


def optimizer_steps(out_dir, name, make_optimizer, clip_norm):
    """STEPS steps on one fixed batch from the timm weights; returns losses and final weights."""
    torch.manual_seed(1)
    model = timm_model()
    initial = {f"init.{k}": v for k, v in state_dict_f32(model).items()}
    images, labels = batch()
    optimizer = make_optimizer(model)
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images.double()), labels.long(), label_smoothing=SMOOTHING)
        loss.backward()
        if clip_norm:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        optimizer.step()
        losses.append(loss.item())
    tensors = {"in.images": images, "in.labels": labels, "losses": torch.tensor(losses)} | initial
    tensors |= {f"final.{k}": v for k, v in state_dict_f32(model).items()}
    write_safetensors(out_dir / f"{name}.safetensors", tensors, metadata() | {"clip_norm": str(clip_norm)})


def adamw(model):
    """timm's decay groups, and a backbone learning rate a tenth of the head's."""
    groups = []
    for group in param_groups_weight_decay(model, weight_decay=0.05, no_weight_decay_list=model.no_weight_decay()):
        for head in (False, True):
            params = [p for p in group["params"] if any(p is q for q in model.head.parameters()) == head]
            groups.append({"params": params, "weight_decay": group["weight_decay"], "lr": 1e-2 if head else 1e-3})
    return torch.optim.AdamW(groups, lr=1e-2, betas=(0.9, 0.999), eps=1e-8)


def sgd(model):
    groups = param_groups_weight_decay(model, weight_decay=1e-3, no_weight_decay_list=model.no_weight_decay())
    return torch.optim.SGD(groups, lr=0.05, momentum=0.9, nesterov=True)


def pos_embed_resample(out_dir):
    pos = torch.randn(1, 1 + 3 * 3, CONFIG["dim"])
    up = resample_abs_pos_embed(pos.double(), [5, 5], num_prefix_tokens=1)
    down = resample_abs_pos_embed(pos.double(), [2, 2], num_prefix_tokens=1)
    write_safetensors(out_dir / "pos_embed_resample.safetensors",
                      {"in.pos_embed": pos, "out.up": up.float(), "out.down": down.float()}, {})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "golden")
    out_dir = parser.parse_args().out
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    timm_forward_backward(out_dir)
    torch.manual_seed(0)
    torchvision_forward(out_dir)
    optimizer_steps(out_dir, "adamw_steps", adamw, clip_norm=0.0)
    optimizer_steps(out_dir, "sgd_steps", sgd, clip_norm=0.5)
    torch.manual_seed(2)
    pos_embed_resample(out_dir)
    torch.manual_seed(3)
    timm_forward_backward(out_dir, global_pool="avg")
    for path in sorted(out_dir.glob("*")):
        if path.stem.startswith(("vit_tiny", "adamw", "sgd", "pos_embed")):
            print(f"{path}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
