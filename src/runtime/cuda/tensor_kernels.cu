// Casts and gradient accumulation for Tensor: maps at full memory width (element_map.cuh), one
// read per input element and one write per output element (bandwidth-bound). Fills: one write per
// element, no host copy.
#include "runtime/cuda/tensor_kernels.h"

#include <algorithm>

#include "runtime/cuda/element_map.cuh"

namespace vit::cuda {

namespace {

struct Identity {
  __device__ float operator()(float x) const { return x; }
};

template <typename Word>
__global__ void fill_kernel(Word* __restrict__ out, Word value, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) out[i] = value;
}

}  // namespace

void fill(void* out, int element_bytes, std::uint32_t bits, std::int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  switch (element_bytes) {
    case 1:
      launch_grid_stride(fill_kernel<std::uint8_t>, n, stream, static_cast<std::uint8_t*>(out),
                         static_cast<std::uint8_t>(bits), n);
      return;
    case 2:
      launch_grid_stride(fill_kernel<std::uint16_t>, n, stream, static_cast<std::uint16_t*>(out),
                         static_cast<std::uint16_t>(bits), n);
      return;
    case 4:
      launch_grid_stride(fill_kernel<std::uint32_t>, n, stream, static_cast<std::uint32_t*>(out), bits, n);
      return;
  }
  VIT_FAIL("fill: elements of ", element_bytes, " bytes are not supported.");
}

namespace {

constexpr int kStoredPerLaunch = 16;

struct Words {
  std::uint32_t value[kStoredPerLaunch];
};

__global__ void store_kernel(std::uint32_t* __restrict__ out, Words words, int n) {
  if (static_cast<int>(threadIdx.x) < n) out[threadIdx.x] = words.value[threadIdx.x];
}

}  // namespace

void store(std::uint32_t* out, const std::uint32_t* words, int n, cudaStream_t stream) {
  for (int begin = 0; begin < n; begin += kStoredPerLaunch) {
    Words chunk{};
    const int count = std::min(kStoredPerLaunch, n - begin);
    std::copy(words + begin, words + begin + count, chunk.value);
    launch(store_kernel, 1, kStoredPerLaunch, 0, stream, out + begin, chunk, count);
  }
}

void cast(const float* x, bfloat16* y, std::int64_t n, cudaStream_t stream) {
  launch_map(Identity{}, n, stream, device_ptr(y), device_ptr(x));
}
void cast(const bfloat16* x, float* y, std::int64_t n, cudaStream_t stream) {
  launch_map(Identity{}, n, stream, device_ptr(y), device_ptr(x));
}

template <typename T>
void accumulate(T* sum, const T* add, std::int64_t n, cudaStream_t stream) {
  launch_map(Add{}, n, stream, device_ptr(sum), device_ptr(static_cast<const T*>(sum)), device_ptr(add));
}

template void accumulate<float>(float*, const float*, std::int64_t, cudaStream_t);
template void accumulate<bfloat16>(bfloat16*, const bfloat16*, std::int64_t, cudaStream_t);

}  // namespace vit::cuda
