#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// y = x W^T + b over the last dim: x [..., in], weight [out, in], bias [out] (may be undefined).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Tape& tape);

// gelu(linear(x, weight, bias)) with the exact (erf) GELU, as one op: a ViT MLP's fc1. Its CUDA
// path applies the bias and the GELU in the product's epilogue and fuses the GELU's derivative
// with the bias gradient (src/kernels/cuda/linear.cu).
Tensor linear_gelu(const Tensor& x, const Tensor& weight, const Tensor& bias, Tape& tape);

}  // namespace vit
