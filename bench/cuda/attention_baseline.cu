// The unfused attention baseline (attention_baseline.h): two strided-batched cuBLAS products per
// batch element around a one-block-per-row softmax (reads S once for the max, once for the sum and
// once to write P).
#include "attention_baseline.h"

#include <cublas_v2.h>

#include <cmath>

#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

__global__ void softmax_rows_kernel(const float* __restrict__ scores, __nv_bfloat16* __restrict__ probs, int n) {
  VIT_SHARED(float, scratch, [32]);
  const float* row = scores + static_cast<std::int64_t>(blockIdx.x) * n;
  float top = -INFINITY;
  for (int j = threadIdx.x; j < n; j += blockDim.x) top = fmaxf(top, row[j]);
  top = block_max(top, scratch);
  float sum = 0.0f;
  for (int j = threadIdx.x; j < n; j += blockDim.x) sum += expf(row[j] - top);
  sum = block_sum(sum, scratch);
  for (int j = threadIdx.x; j < n; j += blockDim.x) {
    probs[static_cast<std::int64_t>(blockIdx.x) * n + j] = __float2bfloat16(expf(row[j] - top) / sum);
  }
}

void check(cublasStatus_t status) {
  VIT_CHECK(status == CUBLAS_STATUS_SUCCESS, "cuBLAS error '", cublasGetStatusString(status), "'.");
}

cublasHandle_t handle() {
  static cublasHandle_t h = [] {
    cublasHandle_t created = nullptr;
    check(cublasCreate(&created));
    return created;
  }();
  return h;
}

}  // namespace

void unfused_attention_forward(const bfloat16* qkv, bfloat16* out, float* scores, bfloat16* probs,
                               const AttentionShape& s, cudaStream_t stream) {
  const int n = static_cast<int>(s.tokens), hd = static_cast<int>(s.head_dim()), d = static_cast<int>(s.dim);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd)), one = 1.0f, zero = 0.0f;
  check(cublasSetStream(handle(), stream));
  for (std::int64_t b = 0; b < s.batch; ++b) {
    const bfloat16* q = qkv + b * s.tokens * 3 * s.dim;
    // row-major S[i, j] = scale q_i . k_j  ==  column-major S^T = K Q^T (see gemm_cublas.cu)
    check(cublasGemmStridedBatchedEx(handle(), CUBLAS_OP_T, CUBLAS_OP_N, n, n, hd, &scale, q + d, CUDA_R_16BF, 3 * d,
                                     hd, q, CUDA_R_16BF, 3 * d, hd, &zero, scores, CUDA_R_32F, n,
                                     static_cast<long long>(n) * n, static_cast<int>(s.heads), CUBLAS_COMPUTE_32F,
                                     CUBLAS_GEMM_DEFAULT));
    launch(softmax_rows_kernel, static_cast<unsigned>(s.heads * n), 256, 0, stream, static_cast<const float*>(scores),
           reinterpret_cast<__nv_bfloat16*>(probs), n);
    // row-major O = P V  ==  column-major O^T = V^T P^T
    check(cublasGemmStridedBatchedEx(handle(), CUBLAS_OP_N, CUBLAS_OP_N, hd, n, n, &one, q + 2 * d, CUDA_R_16BF,
                                     3 * d, hd, probs, CUDA_R_16BF, n, static_cast<long long>(n) * n, &zero,
                                     out + b * s.tokens * s.dim, CUDA_R_16BF, d, hd, static_cast<int>(s.heads),
                                     CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  }
}

}  // namespace vit::cuda
