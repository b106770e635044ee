// CUDA linear layers on the gemm backends, with their bias work fused into the products (gemm.h):
//   forward          y = x W^T + b: one product with the bias epilogue;
//   backward         dx = dy W; dW = dy^T x with the bias-gradient epilogue (db = column sums of
//                    dy, BGRADB), so no pass of its own over dy;
//   GELU forward     pre = x W^T + b as above, y = gelu(pre): in the tiled kernel's epilogue, after
//                    the product on cuBLASLt (whose GELU epilogues are the tanh approximation);
//   GELU backward    dpre = dy gelu'(pre) and db in one pass (bias_gelu_backward), then the two
//                    products.
// Where cuBLASLt has no algorithm for an epilogue, the plain product runs and our kernels do the
// epilogue's work (a broadcast of the bias before it, column sums after).
#include "kernels/cuda/linear.h"

#include "kernels/cuda/column_sum.cuh"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/gemm.h"
#include "runtime/cuda/numeric.cuh"
#include "runtime/cuda/scratch.h"

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

// C [m, n] (contiguous) = op(A) op(B) with the epilogue, and with pre_gelu: pre_gelu = that
// product, C = its GELU.
template <typename TIn, typename TOut>
void product(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, const TIn* a, std::int64_t lda,
             const TIn* b, std::int64_t ldb, TOut* c, const GemmEpilogue& epilogue, TOut* pre_gelu, cudaStream_t stream,
             GemmBackend backend) {
  if (m == 0 || n == 0) return;
  if (!use_cublas(backend)) {
    gemm_tiled(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n, epilogue, pre_gelu, stream);
    return;
  }
#if VIT_CUDA_ON
  TOut* out = pre_gelu != nullptr ? pre_gelu : c;
  if (!gemm_cublas(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, out, n, epilogue, stream)) {
    if (epilogue.bias != nullptr) {
      launch_grid_stride(broadcast_rows_kernel<typename DeviceTypeOf<TOut>::type>, m * n, stream, epilogue.bias,
                         device_ptr(out), n, m * n);
    }
    VIT_CHECK(gemm_cublas(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, epilogue.bias != nullptr ? 1.0f : 0.0f, out,
                          n, GemmEpilogue{}, stream),
              "gemm: cuBLASLt refused a plain product.");
    if (epilogue.bias_grad != nullptr) {
      VIT_CHECK(trans_a && lda == m, "gemm: the bias gradient needs a contiguous, transposed A.");
      column_sums(a, k, m, epilogue.bias_grad, stream);
    }
  }
  if (pre_gelu != nullptr) gelu_forward(static_cast<const TOut*>(pre_gelu), c, m * n, stream);
#endif
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
          std::int64_t lda, const TIn* b, std::int64_t ldb, float beta, TOut* c, std::int64_t ldc, cudaStream_t stream,
          GemmBackend backend) {
  if (m == 0 || n == 0) return;
  if (!use_cublas(backend)) {
    gemm_tiled(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmEpilogue{},
               static_cast<TOut*>(nullptr), stream);
    return;
  }
#if VIT_CUDA_ON
  VIT_CHECK(gemm_cublas(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmEpilogue{}, stream),
            "gemm: cuBLASLt refused a plain product.");
#endif
}

template <typename T>
void linear_forward(const T* x, const T* w, const float* b, T* y, std::int64_t rows, std::int64_t in, std::int64_t out,
                    cudaStream_t stream, GemmBackend backend) {
  product(false, true, rows, out, in, x, in, w, in, y, GemmEpilogue{b, nullptr}, static_cast<T*>(nullptr), stream,
          backend);
}

template <typename T>
void linear_backward(const T* x, const T* w, const T* dy, T* dx, float* dw, float* db, std::int64_t rows,
                     std::int64_t in, std::int64_t out, cudaStream_t stream, GemmBackend backend) {
  if (dx != nullptr)
    product(false, false, rows, in, out, dy, out, w, in, dx, {}, static_cast<T*>(nullptr), stream, backend);
  if (dw != nullptr) {
    product(true, false, out, in, rows, dy, out, x, in, dw, GemmEpilogue{nullptr, db}, static_cast<float*>(nullptr),
            stream, backend);
  } else if (db != nullptr) {
    column_sums(dy, rows, out, db, stream);
  }
}

template <typename T>
void linear_gelu_forward(const T* x, const T* w, const float* b, T* pre, T* y, std::int64_t rows, std::int64_t in,
                         std::int64_t out, cudaStream_t stream, GemmBackend backend) {
  product(false, true, rows, out, in, x, in, w, in, y, GemmEpilogue{b, nullptr}, pre, stream, backend);
}

template <typename T>
void linear_gelu_backward(const T* x, const T* w, const T* pre, const T* dy, T* dx, float* dw, float* db,
                          std::int64_t rows, std::int64_t in, std::int64_t out, cudaStream_t stream,
                          GemmBackend backend) {
  if (dx == nullptr && dw == nullptr && db == nullptr) return;
  Scratch<T> dpre(static_cast<std::size_t>(rows * out));
  bias_gelu_backward(pre, nullptr, dy, dpre.get(), db, rows, out, stream);
  linear_backward(x, w, static_cast<const T*>(dpre.get()), dx, dw, static_cast<float*>(nullptr), rows, in, out, stream,
                  backend);
}

#define VIT_INSTANTIATE_GEMM(TIn, TOut)                                                                                \
  template void gemm<TIn, TOut>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const TIn*, std::int64_t, \
                                const TIn*, std::int64_t, float, TOut*, std::int64_t, cudaStream_t, GemmBackend);
VIT_INSTANTIATE_GEMM(float, float)
VIT_INSTANTIATE_GEMM(bfloat16, bfloat16)
VIT_INSTANTIATE_GEMM(bfloat16, float)
#undef VIT_INSTANTIATE_GEMM

#define VIT_INSTANTIATE_LINEAR(T)                                                                                 \
  template void linear_forward<T>(const T*, const T*, const float*, T*, std::int64_t, std::int64_t, std::int64_t, \
                                  cudaStream_t, GemmBackend);                                                     \
  template void linear_backward<T>(const T*, const T*, const T*, T*, float*, float*, std::int64_t, std::int64_t,  \
                                   std::int64_t, cudaStream_t, GemmBackend);                                      \
  template void linear_gelu_forward<T>(const T*, const T*, const float*, T*, T*, std::int64_t, std::int64_t,      \
                                       std::int64_t, cudaStream_t, GemmBackend);                                  \
  template void linear_gelu_backward<T>(const T*, const T*, const T*, const T*, T*, float*, float*, std::int64_t, \
                                        std::int64_t, std::int64_t, cudaStream_t, GemmBackend);
VIT_INSTANTIATE_LINEAR(float)
VIT_INSTANTIATE_LINEAR(bfloat16)
#undef VIT_INSTANTIATE_LINEAR

}  // namespace vit::cuda
