#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// LayerNorm over the last dim: x [..., D], gamma and beta [D]; statistics in float32.
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps, Tape& tape);

// The residual add and the LayerNorm after it, as a transformer block has them: sum = a + b (same
// shape and dtype) and normed = layer_norm(sum, gamma, beta). The same values and gradients as the
// two ops; the CUDA forward reads a and b once and writes both outputs, instead of reading the sum
// back.
struct AddLayerNorm {
  Tensor sum, normed;
};
AddLayerNorm add_layer_norm(const Tensor& a, const Tensor& b, const Tensor& gamma, const Tensor& beta, float eps,
                            Tape& tape);

}  // namespace vit
