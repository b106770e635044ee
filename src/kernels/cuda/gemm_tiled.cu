// The handwritten float32 matrix product on CUDA cores (the interpreter's, and the portable
// fallback on GPUs); bf16 operands go to its tensor-core twin, gemm_mma.cu.
// A 256-thread block computes a 64 x 64 tile of C, each thread 4 x 4 outputs at stride 16 (so a
// warp's shared-memory reads and its C stores are 16-wide contiguous). K advances 16 at a time:
// the block stages a 64 x 16 slice of op(A) and a 16 x 64 slice of op(B) in shared memory as
// float32 (loaded along the operand's contiguous dimension: coalesced for either transpose), so
// each operand element is read from global memory once per tile row/column of C:
// traffic ~ (m n k)(1/64 + 1/64) elements. Ragged edges are bounds-checked (zero-filled).
// Epilogues (gemm.h): the bias and GELU on the way out; the bias gradient (row sums of op(A)) by
// the first column of blocks, which stages every row of op(A) anyway: 64 threads add their row
// of each slice, in k order, and write the sum once (no atomics, the same bits every run).
#include <type_traits>

#include "kernels/cuda/gemm_epilogue.cuh"
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

constexpr int kTileM = 64, kTileN = 64, kTileK = 16, kThreads = 256, kPer = 4, kStride = 16;

template <typename TIn, typename TOut>
__global__ void __launch_bounds__(kThreads)
    gemm_tiled_kernel(GemmArgs g, const TIn* __restrict__ a, const TIn* __restrict__ b, TOut* __restrict__ c,
                      GemmEpilogue epilogue, TOut* __restrict__ pre_gelu) {
  VIT_SHARED(float, a_tile, [kTileK][kTileM + 1]);
  VIT_SHARED(float, b_tile, [kTileK][kTileN + 1]);
  const int tid = threadIdx.x, tx = tid % kStride, ty = tid / kStride;
  const std::int64_t row0 = static_cast<std::int64_t>(blockIdx.y) * kTileM;
  const std::int64_t col0 = static_cast<std::int64_t>(blockIdx.x) * kTileN;
  float acc[kPer][kPer] = {};
  const bool sums_rows = epilogue.bias_grad != nullptr && blockIdx.x == 0 && tid < kTileM;
  float row_sum = 0.0f;
  for (std::int64_t k0 = 0; k0 < g.k; k0 += kTileK) {
    for (int l = tid; l < kTileM * kTileK; l += kThreads) {
      // op(A)(i, p): contiguous along p when A is not transposed, along i when it is.
      const int i = g.trans_a ? l % kTileM : l / kTileK, p = g.trans_a ? l / kTileM : l % kTileK;
      const std::int64_t gi = row0 + i, gp = k0 + p;
      a_tile[p][i] = gi < g.m && gp < g.k ? to_float(g.trans_a ? a[gp * g.lda + gi] : a[gi * g.lda + gp]) : 0.0f;
      // op(B)(p, j): contiguous along j when B is not transposed, along p when it is.
      const int j = g.trans_b ? l / kTileK : l % kTileN, q = g.trans_b ? l % kTileK : l / kTileN;
      const std::int64_t gj = col0 + j, gq = k0 + q;
      b_tile[q][j] = gj < g.n && gq < g.k ? to_float(g.trans_b ? b[gj * g.ldb + gq] : b[gq * g.ldb + gj]) : 0.0f;
    }
    __syncthreads();
    if (sums_rows) {
      for (int p = 0; p < kTileK; ++p) row_sum += a_tile[p][tid];
    }
#pragma unroll
    for (int p = 0; p < kTileK; ++p) {
      float a_frag[kPer], b_frag[kPer];
#pragma unroll
      for (int r = 0; r < kPer; ++r) a_frag[r] = a_tile[p][ty + kStride * r];
#pragma unroll
      for (int s = 0; s < kPer; ++s) b_frag[s] = b_tile[p][tx + kStride * s];
#pragma unroll
      for (int r = 0; r < kPer; ++r) {
#pragma unroll
        for (int s = 0; s < kPer; ++s) acc[r][s] += a_frag[r] * b_frag[s];
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (int r = 0; r < kPer; ++r) {
    const std::int64_t i = row0 + ty + kStride * r;
#pragma unroll
    for (int s = 0; s < kPer; ++s) {
      const std::int64_t j = col0 + tx + kStride * s;
      if (i < g.m && j < g.n) store_output(g, epilogue, acc[r][s], i, j, c, pre_gelu);
    }
  }
  if (sums_rows && row0 + tid < g.m) epilogue.bias_grad[row0 + tid] = row_sum;
}

}  // namespace

template <typename TIn, typename TOut>
void gemm_tiled(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const TIn* a,
                std::int64_t lda, const TIn* b, std::int64_t ldb, float beta, TOut* c, std::int64_t ldc,
                const GemmEpilogue& epilogue, TOut* pre_gelu, cudaStream_t stream) {
  VIT_CHECK(epilogue.bias_grad == nullptr || (trans_a && alpha == 1.0f),
            "gemm: the bias gradient epilogue needs A stored transposed and alpha = 1.");
  if constexpr (std::is_same_v<TIn, bfloat16>) {
    gemm_mma(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue, pre_gelu, stream);
  } else {
    const dim3 grid(static_cast<unsigned>((n + kTileN - 1) / kTileN),
                    static_cast<unsigned>((m + kTileM - 1) / kTileM));
    VIT_CHECK(grid.y <= 65535, "gemm: ", m, " rows exceed one launch.");
    launch(gemm_tiled_kernel<TIn, typename DeviceTypeOf<TOut>::type>, grid, kThreads, 0, stream,
           GemmArgs{trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta}, a, b, device_ptr(c), epilogue,
           device_ptr(pre_gelu));
  }
}

#define VIT_INSTANTIATE(TIn, TOut)                                                                             \
  template void gemm_tiled<TIn, TOut>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const TIn*, \
                                      std::int64_t, const TIn*, std::int64_t, float, TOut*, std::int64_t,      \
                                      const GemmEpilogue&, TOut*, cudaStream_t);
VIT_INSTANTIATE(float, float)
VIT_INSTANTIATE(bfloat16, bfloat16)
VIT_INSTANTIATE(bfloat16, float)
#undef VIT_INSTANTIATE

}  // namespace vit::cuda
