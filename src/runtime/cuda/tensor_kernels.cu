// Casts and gradient accumulation for Tensor: grid-stride loops, one read per input element and
// one write per output element (bandwidth-bound).
#include "runtime/cuda/tensor_kernels.h"

#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

template <typename In, typename Out>
__global__ void cast_kernel(const In* __restrict__ x, Out* __restrict__ y, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) y[i] = from_float<Out>(to_float(x[i]));
}

template <typename T>
__global__ void accumulate_kernel(T* __restrict__ sum, const T* __restrict__ add, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    sum[i] = from_float<T>(to_float(sum[i]) + to_float(add[i]));
  }
}

template <typename In, typename Out>
void launch_cast(const In* x, Out* y, std::int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  launch_grid_stride(cast_kernel<typename DeviceTypeOf<In>::type, typename DeviceTypeOf<Out>::type>, n, stream,
                     device_ptr(x), device_ptr(y), n);
}

}  // namespace

void cast(const float* x, bfloat16* y, std::int64_t n, cudaStream_t stream) { launch_cast(x, y, n, stream); }
void cast(const bfloat16* x, float* y, std::int64_t n, cudaStream_t stream) { launch_cast(x, y, n, stream); }

template <typename T>
void accumulate(T* sum, const T* add, std::int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  launch_grid_stride(accumulate_kernel<typename DeviceTypeOf<T>::type>, n, stream, device_ptr(sum), device_ptr(add),
                     n);
}

template void accumulate<float>(float*, const float*, std::int64_t, cudaStream_t);
template void accumulate<bfloat16>(bfloat16*, const bfloat16*, std::int64_t, cudaStream_t);

}  // namespace vit::cuda
