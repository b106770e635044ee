#pragma once
// What every kernel file shares: float32/bf16 loads and stores (bf16 is storage only: kernels
// compute and accumulate in float32), the host bfloat16 -> __nv_bfloat16 pointer mapping, warp and
// block reductions, and grid sizing.
#include <cstdint>
#include <type_traits>
#include <utility>

#include "runtime/cuda/launch.cuh"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float to_float(float value) { return value; }
__device__ __forceinline__ float to_float(__nv_bfloat16 value) { return __bfloat162float(value); }

template <typename T>
__device__ __forceinline__ T from_float(float value) {
  if constexpr (std::is_same_v<T, float>) {
    return value;
  } else {
    return __float2bfloat16(value);  // round to nearest even, like vit::bfloat16::from_float
  }
}

// Host element type -> kernel element type (same bits): float -> float, bfloat16 -> __nv_bfloat16.
template <typename T> struct DeviceTypeOf { using type = T; };
template <> struct DeviceTypeOf<bfloat16> { using type = __nv_bfloat16; };
template <typename T>
auto device_ptr(T* pointer) {
  using Device = typename DeviceTypeOf<std::remove_const_t<T>>::type;
  if constexpr (std::is_const_v<T>) {
    return reinterpret_cast<const Device*>(pointer);
  } else {
    return reinterpret_cast<Device*>(pointer);
  }
}

__device__ __forceinline__ float warp_sum(float value) {
  for (int offset = 16; offset > 0; offset /= 2) value += __shfl_xor_sync(kFullMask, value, offset);
  return value;
}

__device__ __forceinline__ float warp_max(float value) {
  for (int offset = 16; offset > 0; offset /= 2) value = fmaxf(value, __shfl_xor_sync(kFullMask, value, offset));
  return value;
}

// Sum over a 1-D block whose size is a multiple of 32; every thread gets it. `scratch` holds 32
// floats of shared memory; it may be reused right after the call returns.
__device__ __forceinline__ float block_sum(float value, float* scratch) {
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  value = warp_sum(value);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = value;
  __syncthreads();
  return warp_sum(lane < warps ? scratch[lane] : 0.0f);
}

// Maximum over a 1-D block whose size is a multiple of 32; as block_sum.
__device__ __forceinline__ float block_max(float value, float* scratch) {
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  value = warp_max(value);
  __syncthreads();
  if (lane == 0) scratch[warp] = value;
  __syncthreads();
  return warp_max(lane < warps ? scratch[lane] : -INFINITY);
}

// A grid-stride loop: for (i = first_index(); i < n; i += grid_stride()), over grid_for(n, block) blocks.
__device__ __forceinline__ std::int64_t first_index() {
  return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ std::int64_t grid_stride() { return static_cast<std::int64_t>(gridDim.x) * blockDim.x; }

// Blocks of `block` threads for a grid-stride loop over n elements (at most `max_blocks`).
inline unsigned grid_for(std::int64_t n, int block, std::int64_t max_blocks = 65535) {
  const std::int64_t blocks = (n + block - 1) / block;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks < max_blocks ? blocks : max_blocks));
}

// The usual launch of a grid-stride kernel over n elements: grid_for(n) blocks of 256 threads, no
// dynamic shared memory.
constexpr int kGridStrideBlock = 256;
template <typename... Params, typename... Args>
void launch_grid_stride(void (*kernel)(Params...), std::int64_t n, LaunchStream stream, Args&&... args) {
  launch(kernel, grid_for(n, kGridStrideBlock), kGridStrideBlock, 0, stream, std::forward<Args>(args)...);
}

}  // namespace vit::cuda
