#include "vitcuda/layers/layers.h"

#include "vitcuda/ops.h"

namespace vit::nn {

namespace {

Tensor maybe_dropout(const Tensor& x, float p, ForwardContext& ctx) {
  return ctx.training && p > 0.0f ? dropout(x, p, ctx.next_seed(), ctx.tape) : x;
}

Tensor maybe_drop_path(const Tensor& x, float p, ForwardContext& ctx) {
  return ctx.training && p > 0.0f ? vit::drop_path(x, p, ctx.next_seed(), ctx.tape) : x;
}

}  // namespace

Linear::Linear(std::int64_t in_features, std::int64_t out_features, Rng& rng, bool with_bias)
    : weight(Tensor::empty({out_features, in_features})) {
  register_parameter("weight", weight);
  if (with_bias) {
    bias = Tensor::empty({out_features});
    register_parameter("bias", bias);
  }
  reset(rng);
}

void Linear::reset(Rng& rng) {
  weight.copy_from(trunc_normal(weight.shape(), rng, 0.02f));
  if (bias.defined()) bias.fill(0.0f);
}

Tensor Linear::forward(const Tensor& x, ForwardContext& ctx) const { return linear(x, weight, bias, ctx.tape); }

LayerNorm::LayerNorm(std::int64_t dim, float eps)
    : weight(Tensor::full({dim}, 1.0f)), bias(Tensor::zeros({dim})), eps(eps) {
  register_parameter("weight", weight);
  register_parameter("bias", bias);
}

Tensor LayerNorm::forward(const Tensor& x, ForwardContext& ctx) const {
  return layer_norm(x, weight, bias, eps, ctx.tape);
}

Attention::Attention(std::int64_t dim, int heads, float proj_drop, Rng& rng)
    : qkv(dim, 3 * dim, rng), proj(dim, dim, rng), heads(heads), proj_drop(proj_drop) {
  register_module("qkv", qkv);
  register_module("proj", proj);
}

Tensor Attention::forward(const Tensor& x, ForwardContext& ctx) const {
  const Tensor packed = qkv.forward(x, ctx);
  if (ctx.attention_probabilities) ctx.attention_probabilities->push_back(attention_probabilities(packed, heads));
  const Tensor mixed = attention(packed, heads, ctx.tape);
  return maybe_dropout(proj.forward(mixed, ctx), proj_drop, ctx);
}

Mlp::Mlp(std::int64_t dim, std::int64_t hidden, float drop, Rng& rng)
    : fc1(dim, hidden, rng), fc2(hidden, dim, rng), drop(drop) {
  register_module("fc1", fc1);
  register_module("fc2", fc2);
}

Tensor Mlp::forward(const Tensor& x, ForwardContext& ctx) const {
  const Tensor hidden = maybe_dropout(linear_gelu(x, fc1.weight, fc1.bias, ctx.tape), drop, ctx);
  return maybe_dropout(fc2.forward(hidden, ctx), drop, ctx);
}

PatchProjection::PatchProjection(int in_channels, int patch, std::int64_t dim, Rng& rng) {
  // PyTorch's default Conv2d init (timm keeps it for the patch projection).
  const std::int64_t fan_in = static_cast<std::int64_t>(in_channels) * patch * patch;
  weight = uniform_fan_in({dim, in_channels, patch, patch}, rng, fan_in);
  bias = uniform_fan_in({dim}, rng, fan_in);
  register_parameter("weight", weight);
  register_parameter("bias", bias);
}

PatchEmbed::PatchEmbed(int in_channels, int patch, std::int64_t dim, Rng& rng)
    : proj(in_channels, patch, dim, rng) {
  register_module("proj", proj);
}

Tensor PatchEmbed::forward(const Tensor& images, ForwardContext& ctx, DType tokens_dtype,
                           const PixelNormalization& pixels) const {
  return patch_embed(images, proj.weight, proj.bias, ctx.tape, tokens_dtype, pixels);
}

Block::Block(std::int64_t dim, int heads, std::int64_t mlp_hidden, float drop, float drop_path, Rng& rng)
    : norm1(dim), attn(dim, heads, drop, rng), norm2(dim), mlp(dim, mlp_hidden, drop, rng), drop_path(drop_path) {
  register_module("norm1", norm1);
  register_module("attn", attn);
  register_module("norm2", norm2);
  register_module("mlp", mlp);
}

Tensor Block::forward(const Tensor& x, ForwardContext& ctx) const {
  const Tensor attended = maybe_drop_path(attn.forward(norm1.forward(x, ctx), ctx), drop_path, ctx);
  // The residual add and norm2 as one op (one read of the sum fewer on cuda).
  const AddLayerNorm mid = add_layer_norm(x, attended, norm2.weight, norm2.bias, norm2.eps, ctx.tape);
  return add(mid.sum, maybe_drop_path(mlp.forward(mid.normed, ctx), drop_path, ctx), ctx.tape);
}

}  // namespace vit::nn
