#pragma once
// What Tensor (src/runtime/tensor.cpp) needs from the CUDA backend besides memory: copies between
// any two devices and gradient accumulation on the device. All on the one compute stream.
#include <cstddef>
#include <cstdint>

#include "runtime/cuda_backend.h"
#include "vitcuda/runtime/device.h"

namespace vit::cuda {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
// Copies `bytes` from `source` to `destination` (any pair of cpu/cuda); returns when the data is
// usable by the host (copies to the host wait for the device).
VIT_CUDA_FN(void copy_bytes(void* destination, Device to, const void* source, Device from, std::size_t bytes))
VIT_CUDA_FN(void zero_bytes(void* destination, std::size_t bytes))
VIT_CUDA_FN(void add_in_place(float* sum, const float* add, std::int64_t n))  // sum += add, device pointers
#pragma GCC diagnostic pop

}  // namespace vit::cuda
