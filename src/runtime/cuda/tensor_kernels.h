#pragma once
// The kernels Tensor itself needs on the device (device_tensor.cpp): f32 <-> bf16 casts, gradient
// accumulation and fills. They live in the runtime, not in src/kernels, because Tensor sits below
// the kernels' users. Pointers are device memory; launches are asynchronous on `stream`.
#include <cstdint>

#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

void cast(const float* x, bfloat16* y, std::int64_t n, cudaStream_t stream);  // round to nearest even
void cast(const bfloat16* x, float* y, std::int64_t n, cudaStream_t stream);

// sum[i] += add[i] (float32 arithmetic); T is float or bfloat16.
template <typename T>
void accumulate(T* sum, const T* add, std::int64_t n, cudaStream_t stream);

// n elements of `element_bytes` (1, 2 or 4) bytes, each set to the low bytes of `bits`.
void fill(void* out, int element_bytes, std::uint32_t bits, std::int64_t n, cudaStream_t stream);

// out[0, n) = words[0, n): a few host numbers written by a kernel that carries them as its
// arguments, so neither a copy from pageable memory (a wait) nor a pinned buffer is needed.
void store(std::uint32_t* out, const std::uint32_t* words, int n, cudaStream_t stream);

}  // namespace vit::cuda
