#pragma once
// CUDA matrix products (linear.cu), the twins of cpu/linear.cpp. gemm has the CPU sgemm's
// row-major contract; on VIT_CUDA=ON builds it runs cuBLASLt (float32 accumulation), on the
// interpreter (and on request) the handwritten tiled kernel (gemm_tiled.cu).
// TIn/TOut: float/float, bfloat16/bfloat16 or bfloat16/float (float32 gradients of bf16 operands).
#include <cstdint>

#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

enum class GemmBackend { automatic, tiled, cublas };

// C[m, n] = alpha * op(A) op(B) + beta * C; op transposes when the flag is set.
template <typename TIn, typename TOut>
void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const TIn* a,
          std::int64_t lda, const TIn* b, std::int64_t ldb, float beta, TOut* c, std::int64_t ldc, cudaStream_t stream,
          GemmBackend backend = GemmBackend::automatic);

bool cublas_available();  // true on VIT_CUDA=ON builds (cuBLASLt)

// y [rows, out] = x [rows, in] W^T + b (b float32, may be null); W [out, in].
template <typename T>
void linear_forward(const T* x, const T* w, const float* b, T* y, std::int64_t rows, std::int64_t in, std::int64_t out,
                    cudaStream_t stream, GemmBackend backend = GemmBackend::automatic);

// dx = dy W, dW = dy^T x and db = column sums of dy (float32); any may be null. Overwritten.
template <typename T>
void linear_backward(const T* x, const T* w, const T* dy, T* dx, float* dw, float* db, std::int64_t rows,
                     std::int64_t in, std::int64_t out, cudaStream_t stream,
                     GemmBackend backend = GemmBackend::automatic);

// fc1 of a ViT's MLP: pre [rows, out] = x W^T + b (kept for the backward), y = gelu(pre), the
// exact (erf) GELU. b may be null.
template <typename T>
void linear_gelu_forward(const T* x, const T* w, const float* b, T* pre, T* y, std::int64_t rows, std::int64_t in,
                         std::int64_t out, cudaStream_t stream, GemmBackend backend = GemmBackend::automatic);

// The gradients of y = gelu(x W^T + b) from dy and the forward's pre: dx, dW, db (float32) as in
// linear_backward; any may be null.
template <typename T>
void linear_gelu_backward(const T* x, const T* w, const T* pre, const T* dy, T* dx, float* dw, float* db,
                          std::int64_t rows, std::int64_t in, std::int64_t out, cudaStream_t stream,
                          GemmBackend backend = GemmBackend::automatic);

}  // namespace vit::cuda
