#pragma once
// The two matrix-product backends behind vit::cuda::gemm (linear.cu). Same contract as gemm, plus
// the epilogues that the linear layers fuse into the product (cuBLASLt's names in brackets):
//   bias       C[i, j] += bias[j] before beta C is added                       (BIAS)
//   bias_grad  bias_grad[i] = sum over p of op(A)[i, p], overwritten; A must be stored transposed
//              ([k, m]), as dy is in a weight gradient dW = dy^T x              (BGRADB)
//   pre_gelu   the tiled kernel only: pre_gelu gets the value and C its exact (erf) GELU. cuBLASLt's
//              GELU epilogues are the tanh approximation, which is not the GELU of timm's ViTs.
// All float32 and device memory; each may be null.
#include <cstdint>

#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

struct GemmEpilogue {
  const float* bias = nullptr;
  float* bias_grad = nullptr;
};

template <typename TIn, typename TOut>
void gemm_tiled(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const TIn* a,
                std::int64_t lda, const TIn* b, std::int64_t ldb, float beta, TOut* c, std::int64_t ldc,
                const GemmEpilogue& epilogue, TOut* pre_gelu, cudaStream_t stream);

// The tiled product on tensor cores (gemm_mma.cu): gemm_tiled's bf16 path.
template <typename TOut>
void gemm_mma(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
              const bfloat16* a, std::int64_t lda, const bfloat16* b, std::int64_t ldb, float beta, TOut* c,
              std::int64_t ldc, const GemmEpilogue& epilogue, TOut* pre_gelu, cudaStream_t stream);

#if VIT_CUDA_ON
// cuBLASLt. Returns false, having done nothing, where cuBLASLt has no algorithm for the epilogue
// (the caller then runs the plain product and the epilogue's own kernels).
template <typename TIn, typename TOut>
bool gemm_cublas(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const TIn* a,
                 std::int64_t lda, const TIn* b, std::int64_t ldb, float beta, TOut* c, std::int64_t ldc,
                 const GemmEpilogue& epilogue, cudaStream_t stream);
#endif

}  // namespace vit::cuda
