#include "vitcuda/layers/config.h"

#include "vitcuda/runtime/check.h"

namespace vit {

namespace {

struct Preset {
  const char* name;
  int patch, dim, depth, heads;
};

constexpr Preset kPresets[] = {
    {"vit_ti16", 16, 192, 12, 3},  {"vit_s16", 16, 384, 12, 6},   {"vit_b16", 16, 768, 12, 12},
    {"vit_b32", 32, 768, 12, 12},  {"vit_l16", 16, 1024, 24, 16}, {"vit_l32", 32, 1024, 24, 16},
};

}  // namespace

ViTConfig ViTConfig::preset(std::string_view name) {
  for (const Preset& p : kPresets) {
    if (name == p.name) {
      ViTConfig config;
      config.patch_size = p.patch;
      config.dim = p.dim;
      config.depth = p.depth;
      config.heads = p.heads;
      return config;
    }
  }
  std::string known;
  for (const Preset& p : kPresets) known += std::string(known.empty() ? "" : ", ") + p.name;
  VIT_FAIL("unknown model '", name, "': choose one of ", known, " or give custom dimensions.");
}

std::vector<std::string> ViTConfig::preset_names() {
  std::vector<std::string> names;
  for (const Preset& p : kPresets) names.emplace_back(p.name);
  return names;
}

ViTConfig ViTConfig::with_classes(int classes) const {
  ViTConfig config = *this;
  config.num_classes = classes;
  return config;
}

ViTConfig ViTConfig::with_image_size(int size) const {
  ViTConfig config = *this;
  config.image_size = size;
  return config;
}

void ViTConfig::validate() const {
  VIT_CHECK(patch_size > 0 && image_size >= patch_size && image_size % patch_size == 0,
            "image size ", image_size, " must be a positive multiple of the patch size ", patch_size, ".");
  VIT_CHECK(in_channels > 0, "the model needs at least one input channel, got ", in_channels, ".");
  VIT_CHECK(num_classes > 0, "the model needs at least one class, got ", num_classes, ".");
  VIT_CHECK(dim > 0 && depth > 0 && heads > 0, "dim, depth and heads must be positive (got ", dim,
            ", ", depth, ", ", heads, ").");
  VIT_CHECK(dim % heads == 0, "dim ", dim, " is not divisible by ", heads, " heads.");
  VIT_CHECK(mlp_hidden() > 0, "mlp ratio ", mlp_ratio, " gives an empty MLP.");
  VIT_CHECK(representation_size >= 0, "representation size must not be negative.");
  VIT_CHECK(drop_rate >= 0.0f && drop_rate < 1.0f, "drop rate must be in [0, 1), got ", drop_rate, ".");
  VIT_CHECK(drop_path_rate >= 0.0f && drop_path_rate < 1.0f, "drop-path rate must be in [0, 1), got ",
            drop_path_rate, ".");
  VIT_CHECK(global_pool == "token" || global_pool == "avg", "global pool must be 'token' or 'avg', got '",
            global_pool, "'.");
}

}  // namespace vit
