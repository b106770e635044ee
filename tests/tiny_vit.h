#pragma once
// The tiny ViT the model, checkpoint and CUDA training tests share: 8x8 images, 4x4 patches,
// dim 8, 2 blocks of 2 heads, 3 classes. Tests add dropout or pre-logits on top as they need.
#include "vitcuda/layers/config.h"

namespace vit::testing {

inline ViTConfig tiny_vit_config() {
  ViTConfig c;
  c.image_size = 8;
  c.patch_size = 4;
  c.dim = 8;
  c.depth = 2;
  c.heads = 2;
  c.mlp_ratio = 2.0f;
  c.num_classes = 3;
  return c;
}

// The tiny ViT with every training-time path on: pre-logits tanh, dropout and drop-path (the
// cuda-vs-cpu train-step tests, f32 and bf16 autocast).
inline ViTConfig tiny_vit_config_all_paths() {
  ViTConfig c = tiny_vit_config();
  c.representation_size = 5;
  c.drop_rate = 0.1f;
  c.drop_path_rate = 0.2f;
  return c;
}

}  // namespace vit::testing
