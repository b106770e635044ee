#pragma once
// A tensor with the name it is saved and optimised under (timm's names, e.g.
// "blocks.0.attn.qkv.weight"): what a model hands its optimizer and its checkpoints. It lives in
// the runtime so that the optimizers, below the model, can take it (docs/architecture.md).
#include <string>

#include "vitcuda/runtime/tensor.h"

namespace vit {

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

}  // namespace vit
