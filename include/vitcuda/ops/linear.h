#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// y = x W^T + b over the last dim: x [..., in], weight [out, in], bias [out] (may be undefined).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Tape& tape);

}  // namespace vit
