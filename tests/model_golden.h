#pragma once
// Helpers for the model-level golden files written by tools/make_golden_model.py.
#include <string>

#include "vitcuda/vitcuda.h"

namespace vit::testing {

// The tiny model of the golden files (its config is in each file's metadata).
ViTConfig tiny_config(const SafetensorsFile& golden);
std::string golden_path(const std::string& name);  // tests/golden/<name>.safetensors

// Copies every "<prefix><param name>" tensor of the file into the model.
void copy_prefixed_weights(ViT& model, const SafetensorsFile& file, const std::string& prefix);

}  // namespace vit::testing
