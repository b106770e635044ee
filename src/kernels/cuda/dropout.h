#pragma once
// CUDA dropout and drop-path (dropout.cu) with the CPU's counter-based Philox stream
// (vitcuda/runtime/philox.h): the same (seed, p) gives bit-identical masks on cpu and cuda, and the
// backward recomputes the mask instead of saving it. T is float or bfloat16.
#include <cstdint>

#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

// A mask's seed: `offset`, plus the 64-bit value at `base` (device memory) when it is not null,
// read when the kernel runs, so a CUDA graph that replays the launch draws a new mask each time
// its caller writes a new base.
struct DeviceSeed {
  DeviceSeed(std::uint64_t value) : base(nullptr), offset(value) {}  // NOLINT: a plain seed converts
  DeviceSeed(const std::uint64_t* base, std::uint64_t offset) : base(base), offset(offset) {}
  const std::uint64_t* base;
  std::uint64_t offset;
};

// y[i] = philox_uniform(seed, i) >= p ? x[i] / (1-p) : 0.
template <typename T>
void dropout_forward(const T* x, T* y, std::int64_t n, float p, DeviceSeed seed, cudaStream_t stream);
template <typename T>
void dropout_backward(const T* dy, T* dx, std::int64_t n, float p, DeviceSeed seed, cudaStream_t stream);

// Row r of [rows, row_size] scaled by 1/(1-p) or zeroed as philox_uniform(seed, r) >= p; the
// backward is the same call on dy.
template <typename T>
void drop_path_forward(const T* x, T* y, std::int64_t rows, std::int64_t row_size, float p, DeviceSeed seed,
                       cudaStream_t stream);

}  // namespace vit::cuda
