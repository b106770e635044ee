#pragma once
// What Tensor (src/runtime/tensor.cpp) needs from the CUDA backend besides memory: copies between
// any two devices, gradient accumulation and f32 <-> bf16 conversion on the device. All on the one
// compute stream.
#include <cstddef>
#include <cstdint>

#include "runtime/cuda_backend.h"
#include "vitcuda/runtime/device.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
// Copies `bytes` from `source` to `destination` (any pair of cpu/cuda); returns when the data is
// usable by the host (copies to the host wait for the device).
VIT_CUDA_FN(void copy_bytes(void* destination, Device to, const void* source, Device from, std::size_t bytes))
VIT_CUDA_FN(void zero_bytes(void* destination, std::size_t bytes))
// n elements of `element_bytes` bytes set to the low bytes of `bits`, on the device (no host copy).
VIT_CUDA_FN(void fill_elements(void* destination, int element_bytes, std::uint32_t bits, std::int64_t n))
// n 32-bit words from the host to destination, by a kernel: no copy that waits.
VIT_CUDA_FN(void store_words(void* destination, const std::uint32_t* words, int n))
// sum += add and dtype conversions (rounding to nearest even), on device pointers.
VIT_CUDA_FN(void add_in_place(float* sum, const float* add, std::int64_t n))
VIT_CUDA_FN(void add_in_place(bfloat16* sum, const bfloat16* add, std::int64_t n))
VIT_CUDA_FN(void convert(const float* from, bfloat16* to, std::int64_t n))
VIT_CUDA_FN(void convert(const bfloat16* from, float* to, std::int64_t n))
#pragma GCC diagnostic pop

}  // namespace vit::cuda
