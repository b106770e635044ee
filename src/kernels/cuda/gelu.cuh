#pragma once
// The exact (erf) GELU of timm's ViTs and its derivative, in float32, for the kernels that apply
// it (elementwise.cu, and the tiled product's epilogue in gemm_tiled.cu).
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

__device__ __forceinline__ float gelu(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

__device__ __forceinline__ float gelu_grad(float x) {  // Phi(x) + x phi(x)
  return 0.5f * (1.0f + erff(x * 0.70710678118654752f)) + x * 0.39894228040143268f * expf(-0.5f * x * x);
}

}  // namespace vit::cuda
