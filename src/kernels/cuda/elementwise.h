#pragma once
// CUDA element-wise kernels (elementwise.cu): residual/broadcast add, exact GELU (the backward
// with a bias), tanh.
// Casts and gradient accumulation, which Tensor needs, are runtime/cuda/tensor_kernels.h.
// Pointers are device memory; T is float or bfloat16 (storage; float32 arithmetic). Launches are
// asynchronous on `stream`.
#include <cstdint>

#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

// out[i] = a[i] + b[i % b_count] (b_count == n: residual add; smaller: b broadcast over rows).
template <typename T>
void add_forward(const T* a, const T* b, T* out, std::int64_t n, std::int64_t b_count, cudaStream_t stream);
// db[j] = sum of dout[i] over i % b_count == j, accumulated in float32; db is overwritten.
template <typename T>
void add_backward_broadcast(const T* dout, float* db, std::int64_t n, std::int64_t b_count, cudaStream_t stream);

// y = gelu(x) over n elements, the exact (erf) GELU.
template <typename T>
void gelu_forward(const T* x, T* y, std::int64_t n, cudaStream_t stream);
// dx = dy * gelu'(x + bias); dbias (may be null) = column sums of dx, overwritten (in a fixed
// order: the same bits every run).
template <typename T>
void bias_gelu_backward(const T* x, const float* bias, const T* dy, T* dx, float* dbias, std::int64_t rows,
                        std::int64_t cols, cudaStream_t stream);

// y = tanh(x); dx = dy * (1 - y^2) from the forward's output.
template <typename T>
void tanh_forward(const T* x, T* y, std::int64_t n, cudaStream_t stream);
template <typename T>
void tanh_backward(const T* y, const T* dy, T* dx, std::int64_t n, cudaStream_t stream);

}  // namespace vit::cuda
