#include "vitcuda/layers/vit.h"

#include "vitcuda/runtime/cuda_graph.h"

#include "vitcuda/ops.h"

namespace vit {

namespace {

// Validates before any member is built, so a bad config fails with its own message.
const ViTConfig& validated(const ViTConfig& config) {
  config.validate();
  return config;
}

}  // namespace

ViT::PreLogits::PreLogits(std::int64_t dim, std::int64_t features, Rng& rng) : fc(dim, features, rng) {
  register_module("fc", fc);
}

ViT::ViT(const ViTConfig& config, Device device, std::uint64_t init_seed)
    : config_(validated(config)),
      init_rng_(init_seed),
      patch_embed(config.in_channels, config.patch_size, config.dim, init_rng_),
      norm(config.dim),
      fc_norm(config.dim),
      head(config.head_features(), config.num_classes, init_rng_) {
  Rng& rng = init_rng_;
  cls_token = Tensor::randn({1, 1, config.dim}, rng, 1e-6f);
  pos_embed = nn::trunc_normal({1, config.tokens(), config.dim}, rng, 0.02f);
  register_module("patch_embed", patch_embed);
  register_parameter("cls_token", cls_token);
  register_parameter("pos_embed", pos_embed);
  for (int i = 0; i < config.depth; ++i) {
    const float drop_path = config.depth > 1 ? config.drop_path_rate * i / (config.depth - 1) : 0.0f;
    blocks.push_back(std::make_unique<nn::Block>(config.dim, config.heads, config.mlp_hidden(),
                                                 config.drop_rate, drop_path, rng));
    register_module("blocks." + std::to_string(i), *blocks.back());
  }
  // timm: norm is Identity and fc_norm a LayerNorm when pooling by average, the reverse for the token.
  register_module(config.avg_pool() ? "fc_norm" : "norm", config.avg_pool() ? fc_norm : norm);
  if (config.representation_size > 0) {
    pre_logits = std::make_unique<PreLogits>(config.dim, config.representation_size, rng);
    register_module("pre_logits", *pre_logits);
  }
  register_module("head", head);
  // Initialised on the host with one RNG stream, so cpu and cuda models start bitwise equal.
  if (!device.is_cpu()) {
    to(device);
    dropout_seed_base_ = seed_tensor(device);
  }
}

Tensor ViT::forward(const Tensor& images, Tape& tape) { return forward(images, tape, nullptr); }

std::vector<Tensor> ViT::attention_probabilities(const Tensor& images) {
  NoGradGuard no_grad;
  Tape tape;
  std::vector<Tensor> probabilities;
  forward(images, tape, &probabilities);
  return probabilities;
}

Tensor ViT::forward(const Tensor& images, Tape& tape, std::vector<Tensor>* attention_probabilities) {
  VIT_CHECK(images.ndim() == 4 && images.size(1) == config_.in_channels &&
                images.size(2) == config_.image_size && images.size(3) == config_.image_size,
            "the model takes images [B, ", config_.in_channels, ", ", config_.image_size, ", ",
            config_.image_size, "], got ", shape_str(images.shape()), ".");
  // Training forward k draws its masks from step_seed(k). On cuda the kernels read it from the
  // device, written here unless a CUDA graph captures this forward (begin_replayed_forward then).
  const bool captured = CudaGraph::capturing();
  if (training_ && !captured) ++forward_count_;
  const std::uint64_t seed = step_seed(forward_count_);
  if (training_ && !captured && dropout_seed_base_.defined()) write_seed(dropout_seed_base_, seed);
  nn::ForwardContext ctx(tape, training_, seed, dropout_seed_base_);
  ctx.attention_probabilities = attention_probabilities;

  VIT_CHECK(images.dtype() != DType::u8 || pixels_.scale.defined(),
            "the model got u8 images but no input normalisation: call set_input_normalization first.");
  const PixelNormalization no_pixels;
  Tensor x = concat_class_token(
      cls_token, patch_embed.forward(images, ctx, autocast_, images.dtype() == DType::u8 ? pixels_ : no_pixels), tape);
  x = add(x, pos_embed, tape);
  if (training_ && config_.drop_rate > 0.0f) x = dropout(x, config_.drop_rate, ctx.next_seed(), tape);
  for (const auto& block : blocks) x = block->forward(x, ctx);
  Tensor features = config_.avg_pool() ? fc_norm.forward(mean_tokens(x, 1, tape), ctx)
                                       : select_token(norm.forward(x, ctx), 0, tape);
  if (pre_logits) features = vit::tanh(pre_logits->fc.forward(features, ctx), tape);
  return cast(head.forward(features, ctx), DType::f32, tape);
}

void ViT::set_autocast(DType dtype) {
  VIT_CHECK(dtype == DType::f32 || (dtype == DType::bf16 && cls_token.device().is_cuda()),
            "autocast can be f32 (off), or bf16 for a model on the cuda device, not ", dtype_name(dtype), " on ",
            cls_token.device().str(), ".");
  autocast_ = dtype;
}

void ViT::set_input_normalization(const std::vector<float>& mean, const std::vector<float>& std) {
  const auto channels = static_cast<std::size_t>(config_.in_channels);
  VIT_CHECK(mean.size() == channels && std.size() == channels, "the input normalisation needs ", channels,
            " means and standard deviations (one per channel), got ", mean.size(), " and ", std.size(), ".");
  std::vector<float> scale(channels), shift(channels);
  for (std::size_t c = 0; c < channels; ++c) {
    VIT_CHECK(std[c] > 0.0f, "the input normalisation's std must be positive, got ", std[c], ".");
    scale[c] = 1.0f / (255.0f * std[c]);  // data::normalize_images' expressions: the same bits
    shift[c] = -mean[c] / std[c];
  }
  const Shape shape{config_.in_channels};
  pixels_ = {Tensor::from_vector(scale, shape).to(cls_token.device()),
             Tensor::from_vector(shift, shape).to(cls_token.device())};
}

bool ViT::is_head_parameter(const std::string& name) {
  return name.rfind("head.", 0) == 0 || name.rfind("pre_logits.", 0) == 0;
}

void ViT::freeze_backbone() {
  for (nn::NamedTensor& p : named_parameters()) {
    if (!is_head_parameter(p.name)) {
      p.tensor.set_requires_grad(false);
      p.tensor.zero_grad();
    }
  }
}

void ViT::reset_head(Rng& rng) {
  if (pre_logits) pre_logits->fc.reset(rng);
  head.reset(rng);
}

void ViT::set_dropout_state(std::uint64_t seed, std::uint64_t forward_count) {
  dropout_seed_ = seed;
  forward_count_ = forward_count;
}

std::uint64_t ViT::step_seed(std::uint64_t forward) const { return dropout_seed_ ^ (0xD1B54A32D192ED03ull * forward); }

void ViT::begin_replayed_forward() {
  ++forward_count_;
  if (dropout_seed_base_.defined()) write_seed(dropout_seed_base_, step_seed(forward_count_));
}

}  // namespace vit
