#pragma once
// The two matrix-product backends behind vit::cuda::gemm (linear.cu). Same contract as gemm, plus
// the tiled kernel's optional bias epilogue: C += bias[col] (float32, may be null).
#include <cstdint>

#include "runtime/cuda/cuda_api.h"

namespace vit::cuda {

template <typename TIn, typename TOut>
void gemm_tiled(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const TIn* a,
                std::int64_t lda, const TIn* b, std::int64_t ldb, float beta, TOut* c, std::int64_t ldc,
                const float* bias, cudaStream_t stream);

#if VIT_CUDA_ON
template <typename TIn, typename TOut>
void gemm_cublas(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                 const TIn* a, std::int64_t lda, const TIn* b, std::int64_t ldb, float beta, TOut* c,
                 std::int64_t ldc, cudaStream_t stream);
#endif

}  // namespace vit::cuda
