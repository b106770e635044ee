// CUDA dropout/drop-path: one read and one write per element. Dropout: each thread draws one
// Philox4x32-10 block (4 words) for 4 consecutive elements, element i using word i % 4 of block
// i / 4, exactly philox_uniform(seed, i). Drop-path: blockIdx.y is the sample, whose one draw
// every thread of the row recomputes (cheaper than a second pass). The seed may come from device
// memory (a CUDA graph's way to draw new masks each replay).
#include "kernels/cuda/dropout.h"

#include "runtime/cuda/numeric.cuh"
#include "vitcuda/runtime/philox.h"

namespace vit::cuda {

namespace {

constexpr int kBlock = 256;

__device__ __forceinline__ float uniform_from_word(std::uint32_t word) {
  return static_cast<float>(word >> 8) * (1.0f / 16777216.0f);  // as philox_uniform
}

__device__ __forceinline__ std::uint64_t seed_value(const DeviceSeed& seed) {
  return seed.offset + (seed.base != nullptr ? *seed.base : 0);
}

template <typename T>
__global__ void dropout_kernel(const T* __restrict__ x, T* __restrict__ y, std::int64_t n, float p, float scale,
                               DeviceSeed device_seed) {
  const std::uint64_t seed = seed_value(device_seed);
  const std::int64_t groups = (n + 3) / 4;
  for (std::int64_t g = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; g < groups;
       g += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const PhiloxBlock random = philox4x32_10(
        {{static_cast<std::uint32_t>(g), static_cast<std::uint32_t>(static_cast<std::uint64_t>(g) >> 32), 0u, 0u}},
        seed);
    for (int k = 0; k < 4; ++k) {
      const std::int64_t i = 4 * g + k;
      if (i < n) y[i] = from_float<T>(uniform_from_word(random.word[k]) >= p ? to_float(x[i]) * scale : 0.0f);
    }
  }
}

template <typename T>
__global__ void drop_path_kernel(const T* __restrict__ x, T* __restrict__ y, std::int64_t row_size, float p,
                                 float scale, DeviceSeed seed) {
  const std::int64_t row = blockIdx.y;
  const float factor = philox_uniform(seed_value(seed), static_cast<std::uint64_t>(row)) >= p ? scale : 0.0f;
  const T* in = x + row * row_size;
  T* out = y + row * row_size;
  for (std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < row_size;
       j += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    out[j] = from_float<T>(to_float(in[j]) * factor);
  }
}

}  // namespace

template <typename T>
void dropout_forward(const T* x, T* y, std::int64_t n, float p, DeviceSeed seed, cudaStream_t stream) {
  VIT_CHECK(p >= 0.0f && p < 1.0f, "dropout: p must be in [0, 1), got ", p, ".");
  if (n == 0) return;
  launch_grid_stride(dropout_kernel<typename DeviceTypeOf<T>::type>, (n + 3) / 4, stream,
                     device_ptr(x), device_ptr(y), n, p, 1.0f / (1.0f - p), seed);
}

template <typename T>
void dropout_backward(const T* dy, T* dx, std::int64_t n, float p, DeviceSeed seed, cudaStream_t stream) {
  dropout_forward(dy, dx, n, p, seed, stream);  // the same mask and scale applied to the gradient
}

template <typename T>
void drop_path_forward(const T* x, T* y, std::int64_t rows, std::int64_t row_size, float p, DeviceSeed seed,
                       cudaStream_t stream) {
  VIT_CHECK(p >= 0.0f && p < 1.0f, "drop_path: p must be in [0, 1), got ", p, ".");
  VIT_CHECK(rows <= 65535, "drop_path: ", rows, " samples exceed the 65535 of one launch.");
  if (rows * row_size == 0) return;
  const dim3 grid(grid_for(row_size, kBlock, 64), static_cast<unsigned>(rows));
  launch(drop_path_kernel<typename DeviceTypeOf<T>::type>, grid, kBlock, 0, stream, device_ptr(x), device_ptr(y),
         row_size, p, 1.0f / (1.0f - p), seed);
}

#define VIT_INSTANTIATE(T)                                                                        \
  template void dropout_forward<T>(const T*, T*, std::int64_t, float, DeviceSeed, cudaStream_t);  \
  template void dropout_backward<T>(const T*, T*, std::int64_t, float, DeviceSeed, cudaStream_t); \
  template void drop_path_forward<T>(const T*, T*, std::int64_t, std::int64_t, float, DeviceSeed, cudaStream_t);
VIT_INSTANTIATE(float)
VIT_INSTANTIATE(bfloat16)
#undef VIT_INSTANTIATE

}  // namespace vit::cuda
