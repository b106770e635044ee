#pragma once
// CUDA LayerNorm over the last dim of x [rows, dim] (layernorm.cu), dim <= 2048. x, y, dy, dx are
// T (float or bfloat16); gamma, beta, their gradients, mean and rstd are float32.
#include <cstddef>
#include <cstdint>

#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

// y = (x - mean) * rstd * gamma + beta; saves mean and rstd [rows] for the backward.
template <typename T>
void layernorm_forward(const T* x, const float* gamma, const float* beta, T* y, float* mean, float* rstd,
                       std::int64_t rows, std::int64_t dim, float eps, cudaStream_t stream);

// The residual add and the LayerNorm after it: sum = x + residual (stored as T), y = the LayerNorm
// of the stored sum, with its mean and rstd: the bits of add_forward then layernorm_forward.
template <typename T>
void add_layernorm_forward(const T* x, const T* residual, T* sum, const float* gamma, const float* beta, T* y,
                           float* mean, float* rstd, std::int64_t rows, std::int64_t dim, float eps,
                           cudaStream_t stream);

// Floats of scratch memory layernorm_backward needs (partial dgamma/dbeta sums per block).
std::size_t layernorm_backward_workspace(std::int64_t rows, std::int64_t dim);

// The backward of add_layernorm_forward: as layernorm_backward, with dx = the LayerNorm's input
// gradient + residual_grad (the sum's gradient from its other uses; may be null).
template <typename T>
void add_layernorm_backward(const T* x, const float* gamma, const float* mean, const float* rstd, const T* dy,
                            const T* residual_grad, T* dx, float* dgamma, float* dbeta, std::int64_t rows,
                            std::int64_t dim, float* workspace, cudaStream_t stream);

// dx overwritten (may be null); dgamma, dbeta overwritten with sums over rows (either may be null).
// Deterministic: per-block partial sums, then one fixed-order column sum.
template <typename T>
void layernorm_backward(const T* x, const float* gamma, const float* mean, const float* rstd, const T* dy, T* dx,
                        float* dgamma, float* dbeta, std::int64_t rows, std::int64_t dim, float* workspace,
                        cudaStream_t stream);

}  // namespace vit::cuda
