#pragma once
// The building blocks of a ViT, with timm's parameter names.
#include "vitcuda/layers/module.h"
#include "vitcuda/ops/patch_embed.h"

namespace vit::nn {

class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, Rng& rng, bool with_bias = true);
  Tensor forward(const Tensor& x, ForwardContext& ctx) const;
  void reset(Rng& rng);  // timm init: trunc normal(std .02) weight, zero bias
  Tensor weight, bias;
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(std::int64_t dim, float eps = 1e-6f);
  Tensor forward(const Tensor& x, ForwardContext& ctx) const;
  Tensor weight, bias;
  float eps;
};

// Multi-head self-attention with a packed qkv projection (qkv bias on) and an output projection.
class Attention : public Module {
 public:
  Attention(std::int64_t dim, int heads, float proj_drop, Rng& rng);
  Tensor forward(const Tensor& x, ForwardContext& ctx) const;
  Linear qkv, proj;
  int heads;
  float proj_drop;
};

// fc1 -> GELU -> dropout -> fc2 -> dropout.
class Mlp : public Module {
 public:
  Mlp(std::int64_t dim, std::int64_t hidden, float drop, Rng& rng);
  Tensor forward(const Tensor& x, ForwardContext& ctx) const;
  Linear fc1, fc2;
  float drop;
};

// The stride-P convolution of PatchEmbed: weight [D, C, P, P], bias [D].
class PatchProjection : public Module {
 public:
  PatchProjection(int in_channels, int patch, std::int64_t dim, Rng& rng);
  Tensor weight, bias;
};

// Image [B, C, H, W] -> tokens [B, (H/P)(W/P), D].
class PatchEmbed : public Module {
 public:
  PatchEmbed(int in_channels, int patch, std::int64_t dim, Rng& rng);
  // tokens_dtype: f32, or bf16 (cuda) under autocast; pixels: the normalisation of u8 images.
  Tensor forward(const Tensor& images, ForwardContext& ctx, DType tokens_dtype = DType::f32,
                 const PixelNormalization& pixels = {}) const;
  PatchProjection proj;
};

// Pre-norm transformer block: x + drop_path(attn(norm1(x))), then x + drop_path(mlp(norm2(x))).
class Block : public Module {
 public:
  Block(std::int64_t dim, int heads, std::int64_t mlp_hidden, float drop, float drop_path, Rng& rng);
  Tensor forward(const Tensor& x, ForwardContext& ctx) const;
  LayerNorm norm1;
  Attention attn;
  LayerNorm norm2;
  Mlp mlp;
  float drop_path;
};

}  // namespace vit::nn
