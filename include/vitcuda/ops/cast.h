#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// x converted to f32 or bf16 (rounding to nearest even); the gradient converts back to x's dtype.
// bf16 autocast returns the model's logits as f32 with it. x itself when it already has `dtype`.
Tensor cast(const Tensor& x, DType dtype, Tape& tape);

}  // namespace vit
