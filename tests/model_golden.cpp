#include "model_golden.h"

namespace vit::testing {

ViTConfig tiny_config(const SafetensorsFile& golden) {
  auto number = [&](const char* key) { return std::stod(golden.metadata.at(key)); };
  ViTConfig config;
  config.image_size = static_cast<int>(number("image_size"));
  config.patch_size = static_cast<int>(number("patch_size"));
  config.dim = static_cast<int>(number("dim"));
  config.depth = static_cast<int>(number("depth"));
  config.heads = static_cast<int>(number("heads"));
  config.mlp_ratio = static_cast<float>(number("mlp_ratio"));
  config.num_classes = static_cast<int>(number("classes"));
  return config;
}

std::string golden_path(const std::string& name) { return std::string(VIT_GOLDEN_DIR) + "/" + name + ".safetensors"; }

void copy_prefixed_weights(ViT& model, const SafetensorsFile& file, const std::string& prefix) {
  for (nn::NamedTensor& p : model.named_parameters()) p.tensor.copy_from(file.at(prefix + p.name));
}

}  // namespace vit::testing
