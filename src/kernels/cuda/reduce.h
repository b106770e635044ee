#pragma once
// CUDA reductions (reduce.cu), the twins of cpu/reduce.cpp, plus scaling by a device scalar.
// Results stay on the device, so a step needs no host synchronisation. float32 only.
#include <cstdint>

#include "runtime/cuda/cuda_api.h"

namespace vit::cuda {

// *out = mean of x[0..n) (one block, fixed summation order: deterministic).
void mean_forward(const float* x, float* out, std::int64_t n, cudaStream_t stream);
// dx[i] = *dout / n.
void mean_backward(const float* dout, float* dx, std::int64_t n, cudaStream_t stream);
// x[i] *= *factor (e.g. the clip factor of grad_norm).
void scale_in_place(float* x, std::int64_t n, const float* factor, cudaStream_t stream);

}  // namespace vit::cuda
