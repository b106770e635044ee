#pragma once
// ViT hyper-parameters: timm's presets or a fully custom model.
#include <string>
#include <string_view>
#include <vector>

namespace vit {

struct ViTConfig {
  int image_size = 224;
  int patch_size = 16;
  int in_channels = 3;
  int num_classes = 1000;
  int dim = 768;
  int depth = 12;
  int heads = 12;
  float mlp_ratio = 4.0f;
  int representation_size = 0;  // > 0 adds the pre-logits layer (Linear + Tanh) before the head
  float drop_rate = 0.0f;       // dropout after position embedding, attention projection and MLP
  float drop_path_rate = 0.0f;  // stochastic depth, rising linearly to this value over the blocks
  // Features for the head, like timm's global_pool: "token" (the class token after the final
  // norm) or "avg" (the mean of the patch tokens, class token excluded; the final norm becomes
  // identity and a LayerNorm fc_norm follows the pooling).
  std::string global_pool = "token";

  // vit_ti16, vit_s16, vit_b16, vit_b32, vit_l16, vit_l32 (timm's vit_{tiny,small,base,large}_patchNN_224).
  static ViTConfig preset(std::string_view name);
  static std::vector<std::string> preset_names();

  ViTConfig with_classes(int classes) const;
  ViTConfig with_image_size(int size) const;

  int grid() const { return image_size / patch_size; }
  int tokens() const { return grid() * grid() + 1; }  // patches plus the class token
  int mlp_hidden() const { return static_cast<int>(static_cast<float>(dim) * mlp_ratio); }
  bool avg_pool() const { return global_pool == "avg"; }
  int head_features() const { return representation_size > 0 ? representation_size : dim; }

  void validate() const;  // throws with one sentence naming the bad value
};

}  // namespace vit
