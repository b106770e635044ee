// Casts and gradient accumulation for Tensor: maps at full memory width (element_map.cuh), one
// read per input element and one write per output element (bandwidth-bound).
#include "runtime/cuda/tensor_kernels.h"

#include "runtime/cuda/element_map.cuh"

namespace vit::cuda {

namespace {

struct Identity {
  __device__ float operator()(float x) const { return x; }
};
struct Add {
  __device__ float operator()(float a, float b) const { return a + b; }
};

}  // namespace

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
