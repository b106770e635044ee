#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// LayerNorm over the last dim: x [..., D], gamma and beta [D]; statistics in float32.
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps, Tape& tape);

}  // namespace vit
