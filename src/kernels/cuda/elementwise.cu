// CUDA element-wise kernels. The residual add, tanh and the GELU forward are maps at full memory
// width (runtime/cuda/element_map.cuh: 16-byte loads and stores, 32-bit indices): one read per
// input element and one write per output element, nothing else (bandwidth-bound). The broadcast
// add is a grid-stride loop with one 32-bit remainder per element where the size allows. The GELU
// backward also sums dx per column for the bias gradient: it runs on (32 x 8)-thread tiles
// (column_sum.cuh), writes dx once and each 128-row band's column sums (added in order after).
#include "kernels/cuda/elementwise.h"

#include <optional>

#include "kernels/cuda/column_sum.cuh"
#include "kernels/cuda/gelu.cuh"
#include "runtime/cuda/element_map.cuh"
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

struct Gelu {
  __device__ float operator()(float x) const { return gelu(x); }
};
struct Tanh {
  __device__ float operator()(float x) const { return tanhf(x); }
};
struct TanhGrad {  // from the forward's output y
  __device__ float operator()(float y, float dy) const { return dy * (1.0f - y * y); }
};

template <typename Index, typename T>
__global__ void broadcast_add_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ out, Index n,
                                     Index b_count) {
  const Index stride = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    out[i] = from_float<T>(to_float(a[i]) + to_float(b[i % b_count]));
  }
}

template <typename T>
__global__ void bias_gelu_backward_kernel(const T* __restrict__ x, const float* __restrict__ bias,
                                          const T* __restrict__ dy, T* __restrict__ dx, float* __restrict__ band_sums,
                                          std::int64_t rows, std::int64_t cols) {
  const std::int64_t col = static_cast<std::int64_t>(blockIdx.x) * kColumnTile + threadIdx.x;
  const Band band = column_band(rows);
  float sum = 0.0f;
  if (col < cols) {
    const float b = bias != nullptr ? bias[col] : 0.0f;
    for (std::int64_t r = band.first; r < band.end; r += kColumnRows) {
      const std::int64_t i = r * cols + col;
      const float grad = to_float(dy[i]) * gelu_grad(to_float(x[i]) + b);
      dx[i] = from_float<T>(grad);
      sum += grad;
    }
  }
  if (band_sums != nullptr) store_column_partials(sum, band_sums, col, cols);  // the same branch for the block
}

}  // namespace

template <typename T>
void add_forward(const T* a, const T* b, T* out, std::int64_t n, std::int64_t b_count, cudaStream_t stream) {
  VIT_CHECK(b_count > 0 && n % b_count == 0, "add_forward: ", n, " elements do not broadcast ", b_count, ".");
  using D = typename DeviceTypeOf<T>::type;
  if (b_count == n) {
    launch_map(Add{}, n, stream, device_ptr(out), device_ptr(a), device_ptr(b));
  } else if (n < (std::int64_t{1} << 31)) {
    launch_grid_stride(broadcast_add_kernel<std::uint32_t, D>, n, stream, device_ptr(a), device_ptr(b), device_ptr(out),
                       static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(b_count));
  } else {
    launch_grid_stride(broadcast_add_kernel<std::int64_t, D>, n, stream, device_ptr(a), device_ptr(b), device_ptr(out),
                       n, b_count);
  }
}

template <typename T>
void add_backward_broadcast(const T* dout, float* db, std::int64_t n, std::int64_t b_count, cudaStream_t stream) {
  VIT_CHECK(b_count > 0 && n % b_count == 0, "add_backward_broadcast: ", n, " elements do not broadcast ", b_count,
            ".");
  column_sums(dout, n / b_count, b_count, db, stream);
}

template <typename T>
void gelu_forward(const T* x, T* y, std::int64_t n, cudaStream_t stream) {
  launch_map(Gelu{}, n, stream, device_ptr(y), device_ptr(x));
}

template <typename T>
void bias_gelu_backward(const T* x, const float* bias, const T* dy, T* dx, float* dbias, std::int64_t rows,
                        std::int64_t cols, cudaStream_t stream) {
  if (rows * cols == 0) return;
  std::optional<ColumnSums> dbias_sums;
  if (dbias != nullptr) dbias_sums.emplace(rows, cols, dbias);
  launch(bias_gelu_backward_kernel<typename DeviceTypeOf<T>::type>, column_grid(rows, cols), column_block(), 0, stream,
         device_ptr(x), bias, device_ptr(dy), device_ptr(dx), dbias_sums ? dbias_sums->band_sums() : nullptr, rows,
         cols);
  if (dbias_sums) dbias_sums->finish(stream);
}

template <typename T>
void tanh_forward(const T* x, T* y, std::int64_t n, cudaStream_t stream) {
  launch_map(Tanh{}, n, stream, device_ptr(y), device_ptr(x));
}

template <typename T>
void tanh_backward(const T* y, const T* dy, T* dx, std::int64_t n, cudaStream_t stream) {
  launch_map(TanhGrad{}, n, stream, device_ptr(dx), device_ptr(y), device_ptr(dy));
}

#define VIT_INSTANTIATE(T)                                                                                      \
  template void tanh_forward<T>(const T*, T*, std::int64_t, cudaStream_t);                                      \
  template void tanh_backward<T>(const T*, const T*, T*, std::int64_t, cudaStream_t);                           \
  template void add_forward<T>(const T*, const T*, T*, std::int64_t, std::int64_t, cudaStream_t);               \
  template void add_backward_broadcast<T>(const T*, float*, std::int64_t, std::int64_t, cudaStream_t);          \
  template void gelu_forward<T>(const T*, T*, std::int64_t, cudaStream_t);                                      \
  template void bias_gelu_backward<T>(const T*, const float*, const T*, T*, float*, std::int64_t, std::int64_t, \
                                      cudaStream_t);
VIT_INSTANTIATE(float)
VIT_INSTANTIATE(bfloat16)
#undef VIT_INSTANTIATE

}  // namespace vit::cuda
