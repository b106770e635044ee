#pragma once
// The Vision Transformer (Dosovitskiy et al.), structured and named like timm's
// VisionTransformer: patch_embed, cls_token, pos_embed, blocks.N, norm, [pre_logits.fc], head;
// with global_pool "avg", fc_norm after the token mean instead of norm (timm's use_fc_norm).
#include <memory>
#include <vector>

#include "vitcuda/layers/config.h"
#include "vitcuda/layers/layers.h"

namespace vit {

class ViT : public nn::Module {
  ViTConfig config_;  // first: the layers below are built from it
  Rng init_rng_;      // draws every initial weight, in construction order

 public:
  explicit ViT(const ViTConfig& config, Device device = Device::cpu(), std::uint64_t init_seed = 0);

  // images [B, C, H, W] f32 -> logits [B, classes] f32. Dropout and drop-path act only in training mode.
  // u8 images (0-255) are normalised in the patch embedding by set_input_normalization's values.
  Tensor forward(const Tensor& images, Tape& tape);
  // The softmax attention of every block, [B, heads, N, N] f32 on the cpu, from a forward pass in
  // the current mode without gradients (attention rollout, inspection).
  std::vector<Tensor> attention_probabilities(const Tensor& images);

  // Mixed precision like PyTorch's bf16 autocast: with bf16 (cuda models only) the activations from
  // the patch embedding to the logits are bf16, matrix products and reductions accumulate in f32,
  // parameters and their gradients stay f32 (the optimizer's master weights); the logits are
  // returned as f32. f32 (the default) turns it off.
  void set_autocast(DType dtype);
  DType autocast() const { return autocast_; }

  // The normalisation of u8 images, (v / 255 - mean[c]) / std[c] with the loader's bits, done as
  // the patch embedding reads them: batches go to the device as u8, a quarter of the bytes.
  // One value per input channel; not a parameter (not saved with the weights).
  void set_input_normalization(const std::vector<float>& mean, const std::vector<float>& std);

  void train(bool training = true) { training_ = training; }
  void eval() { training_ = false; }
  bool training() const { return training_; }
  const ViTConfig& config() const { return config_; }

  // Head = head.* and pre_logits.*; the backbone is everything else.
  static bool is_head_parameter(const std::string& name);
  void freeze_backbone();      // backbone parameters stop requiring grad
  void reset_head(Rng& rng);   // timm's init for head (and pre-logits), for a new task

  // Dropout randomness: step k of training draws its masks from (seed, k); saved with checkpoints.
  void set_dropout_state(std::uint64_t seed, std::uint64_t forward_count);
  // A training forward captured in a CUDA graph neither counts itself nor writes its step's seed:
  // call this before each replay (and before the capture) to do both. On cuda the dropout
  // kernels read the step's seed from device memory, so each replay draws its own masks.
  void begin_replayed_forward();
  std::uint64_t dropout_seed() const { return dropout_seed_; }
  std::uint64_t forward_count() const { return forward_count_; }

  nn::PatchEmbed patch_embed;
  Tensor cls_token, pos_embed;
  std::vector<std::unique_ptr<nn::Block>> blocks;
  nn::LayerNorm norm;     // registered and used with global_pool "token" only (identity with "avg")
  nn::LayerNorm fc_norm;  // registered and used with global_pool "avg" only
  struct PreLogits : nn::Module {
    PreLogits(std::int64_t dim, std::int64_t features, Rng& rng);
    nn::Linear fc;
  };
  std::unique_ptr<PreLogits> pre_logits;  // only when config.representation_size > 0
  nn::Linear head;

 private:
  Tensor forward(const Tensor& images, Tape& tape, std::vector<Tensor>* attention_probabilities);
  std::uint64_t step_seed(std::uint64_t forward) const;  // the dropout seed of training forward `forward`

  bool training_ = true;
  DType autocast_ = DType::f32;
  PixelNormalization pixels_;  // for u8 images; undefined until set_input_normalization
  Tensor dropout_seed_base_;   // cuda: the step's dropout seed on the device (seed_tensor)
  std::uint64_t dropout_seed_ = 0;
  std::uint64_t forward_count_ = 0;
};

}  // namespace vit
