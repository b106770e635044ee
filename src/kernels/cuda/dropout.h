#pragma once
// CUDA dropout and drop-path (dropout.cu) with the CPU's counter-based Philox stream
// (vitcuda/runtime/philox.h): the same (seed, p) gives bit-identical masks on cpu and cuda, and the
// backward recomputes the mask instead of saving it. T is float or bfloat16.
#include <cstdint>

#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

// y[i] = philox_uniform(seed, i) >= p ? x[i] / (1-p) : 0.
template <typename T>
void dropout_forward(const T* x, T* y, std::int64_t n, float p, std::uint64_t seed, cudaStream_t stream);
template <typename T>
void dropout_backward(const T* dy, T* dx, std::int64_t n, float p, std::uint64_t seed, cudaStream_t stream);

// Row r of [rows, row_size] scaled by 1/(1-p) or zeroed as philox_uniform(seed, r) >= p; the
// backward is the same call on dy.
template <typename T>
void drop_path_forward(const T* x, T* y, std::int64_t rows, std::int64_t row_size, float p, std::uint64_t seed,
                       cudaStream_t stream);

}  // namespace vit::cuda
