// CUDA linear layer on the gemm backends. Forward: one product; the tiled kernel adds the bias in
// its epilogue, the cuBLAS path first broadcasts the bias into y (one extra write and read of y)
// and accumulates with beta = 1. Backward: dx = dy W and dW = dy^T x as products, db = column sums
// of dy (column_sum.cuh).
#include "kernels/cuda/linear.h"

#include "kernels/cuda/column_sum.cuh"
#include "kernels/cuda/gemm.h"
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

template <typename T>
__global__ void broadcast_rows_kernel(const float* __restrict__ row, T* __restrict__ out, std::int64_t cols,
                                      std::int64_t total) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    out[i] = from_float<T>(row[i % cols]);
  }
}

bool use_cublas(GemmBackend backend) {
  VIT_CHECK(backend != GemmBackend::cublas || cublas_available(), "gemm: cuBLAS is not in this build (VIT_CUDA=SIM).");
  return backend == GemmBackend::cublas || (backend == GemmBackend::automatic && cublas_available());
}

}  // namespace

bool cublas_available() {
#if VIT_CUDA_ON
  return true;
#else
  return false;
#endif
}

template <typename TIn, typename TOut>
void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const TIn* a,
          std::int64_t lda, const TIn* b, std::int64_t ldb, float beta, TOut* c, std::int64_t ldc,
          cudaStream_t stream, GemmBackend backend) {
  if (m == 0 || n == 0) return;
#if VIT_CUDA_ON
  if (use_cublas(backend)) {
    gemm_cublas(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, stream);
    return;
  }
#else
  use_cublas(backend);  // refuses an explicit cuBLAS request
#endif
  gemm_tiled(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, static_cast<const float*>(nullptr),
             stream);
}

template <typename T>
void linear_forward(const T* x, const T* w, const float* b, T* y, std::int64_t rows, std::int64_t in,
                    std::int64_t out, cudaStream_t stream, GemmBackend backend) {
  if (rows == 0 || out == 0) return;
  if (!use_cublas(backend)) {
    gemm_tiled(false, true, rows, out, in, 1.0f, x, in, w, in, 0.0f, y, out, b, stream);
    return;
  }
  if (b != nullptr) {
    launch_grid_stride(broadcast_rows_kernel<typename DeviceTypeOf<T>::type>, rows * out, stream, b,
                       device_ptr(y), out, rows * out);
  }
  gemm(false, true, rows, out, in, 1.0f, x, in, w, in, b != nullptr ? 1.0f : 0.0f, y, out, stream, backend);
}

template <typename T>
void linear_backward(const T* x, const T* w, const T* dy, T* dx, float* dw, float* db, std::int64_t rows,
                     std::int64_t in, std::int64_t out, cudaStream_t stream, GemmBackend backend) {
  if (dx != nullptr) gemm(false, false, rows, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in, stream, backend);
  if (dw != nullptr) gemm(true, false, out, in, rows, 1.0f, dy, out, x, in, 0.0f, dw, in, stream, backend);
  if (db != nullptr) column_sums(dy, rows, out, db, stream);
}

#define VIT_INSTANTIATE_GEMM(TIn, TOut)                                                                        \
  template void gemm<TIn, TOut>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const TIn*,      \
                                std::int64_t, const TIn*, std::int64_t, float, TOut*, std::int64_t, cudaStream_t, \
                                GemmBackend);
VIT_INSTANTIATE_GEMM(float, float)
VIT_INSTANTIATE_GEMM(bfloat16, bfloat16)
VIT_INSTANTIATE_GEMM(bfloat16, float)
#undef VIT_INSTANTIATE_GEMM

#define VIT_INSTANTIATE_LINEAR(T)                                                                              \
  template void linear_forward<T>(const T*, const T*, const float*, T*, std::int64_t, std::int64_t, std::int64_t, \
                                  cudaStream_t, GemmBackend);                                                  \
  template void linear_backward<T>(const T*, const T*, const T*, T*, float*, float*, std::int64_t, std::int64_t, \
                                   std::int64_t, cudaStream_t, GemmBackend);
VIT_INSTANTIATE_LINEAR(float)
VIT_INSTANTIATE_LINEAR(bfloat16)
#undef VIT_INSTANTIATE_LINEAR

}  // namespace vit::cuda
