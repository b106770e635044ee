// The handwritten matrix product on tensor cores, for bf16 operands (float32 accumulation): the
// interpreter's bf16 product, and the portable fallback on GPUs (cuBLASLt is the fast one there).
// A 128-thread block computes a 64 x 64 tile of C; warp w owns the 32 x 32 quarter at rows
// 32 (w / 2), columns 32 (w % 2): 2 x 4 accumulator tiles of mma.m16n8k16. K advances 32 at a
// time: the block stages op(A) as a [64 m][32 k] tile and op(B) as a [64 n][32 k] tile in shared
// memory (rows padded to 40 values, 80 bytes, so ldmatrix rows stay 16-byte aligned and off each
// other's banks), loading along each operand's contiguous dimension (coalesced for either
// transpose) and zero-filling ragged edges; the warps then take A and B fragments with ldmatrix.
// Traffic ~ (m n k)(1/64 + 1/64) elements, as the float32 tiled kernel. Epilogues as gemm.h: the
// bias and GELU on the way out, the bias gradient (row sums of op(A)) by the first column of
// blocks from its staged tiles, in k order.
#include "kernels/cuda/gemm_epilogue.cuh"
#include "kernels/cuda/mma_tiles.cuh"
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

constexpr int kTile = 64, kTileK = 32, kLd = kTileK + 8, kWarps = 4, kThreads = 32 * kWarps;

template <typename TOut>
__global__ void __launch_bounds__(kThreads)
    gemm_mma_kernel(GemmArgs g, const __nv_bfloat16* __restrict__ a, const __nv_bfloat16* __restrict__ b,
                    TOut* __restrict__ c, GemmEpilogue epilogue, TOut* __restrict__ pre_gelu) {
  VIT_SHARED(__nv_bfloat16, a_tile, [kTile * kLd]);  // op(A): [m][k]
  VIT_SHARED(__nv_bfloat16, b_tile, [kTile * kLd]);  // op(B)^T: [n][k]
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  const int warp_row = 32 * (warp / 2), warp_col = 32 * (warp % 2);
  const std::int64_t row0 = static_cast<std::int64_t>(blockIdx.y) * kTile;
  const std::int64_t col0 = static_cast<std::int64_t>(blockIdx.x) * kTile;
  const __nv_bfloat16 zero = __float2bfloat16(0.0f);
  float acc[2][4][4] = {};
  const bool sums_rows = epilogue.bias_grad != nullptr && blockIdx.x == 0 && tid < kTile;
  float row_sum = 0.0f;
  for (std::int64_t k0 = 0; k0 < g.k; k0 += kTileK) {
    for (int l = tid; l < kTile * kTileK; l += kThreads) {
      // op(A)(i, p): contiguous along p when A is not transposed, along i when it is.
      const int i = g.trans_a ? l % kTile : l / kTileK, p = g.trans_a ? l / kTile : l % kTileK;
      const std::int64_t gi = row0 + i, gp = k0 + p;
      a_tile[i * kLd + p] = gi < g.m && gp < g.k ? (g.trans_a ? a[gp * g.lda + gi] : a[gi * g.lda + gp]) : zero;
      // op(B)(q, j): contiguous along j when B is not transposed, along q when it is.
      const int j = g.trans_b ? l / kTileK : l % kTile, q = g.trans_b ? l % kTileK : l / kTile;
      const std::int64_t gj = col0 + j, gq = k0 + q;
      b_tile[j * kLd + q] = gj < g.n && gq < g.k ? (g.trans_b ? b[gj * g.ldb + gq] : b[gq * g.ldb + gj]) : zero;
    }
    __syncthreads();
    if (sums_rows) {
      for (int p = 0; p < kTileK; ++p) row_sum += to_float(a_tile[tid * kLd + p]);
    }
#pragma unroll
    for (int kk = 0; kk < kTileK; kk += 16) {
      std::uint32_t a_frag[2][4];
#pragma unroll
      for (int mi = 0; mi < 2; ++mi) a_from_tile(a_tile, kLd, warp_row + 16 * mi, kk, a_frag[mi]);
#pragma unroll
      for (int pair = 0; pair < 2; ++pair) {  // B fragments of n tiles 2 pair and 2 pair + 1
        std::uint32_t first[2], second[2];
        b_from_rows(b_tile, kLd, warp_col + 16 * pair, kk, first, second);
#pragma unroll
        for (int mi = 0; mi < 2; ++mi) {
          mma_m16n8k16_bf16(acc[mi][2 * pair], a_frag[mi], first, acc[mi][2 * pair]);
          mma_m16n8k16_bf16(acc[mi][2 * pair + 1], a_frag[mi], second, acc[mi][2 * pair + 1]);
        }
      }
    }
    __syncthreads();
  }
  // Accumulator register r of tile (mi, ni) is C[16 mi + g + 8 (r / 2)][8 ni + 2 t + r % 2].
  const int group = lane / 4, pair_col = 2 * (lane % 4);
#pragma unroll
  for (int mi = 0; mi < 2; ++mi) {
#pragma unroll
    for (int ni = 0; ni < 4; ++ni) {
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const std::int64_t i = row0 + warp_row + 16 * mi + group + 8 * (r / 2);
        const std::int64_t j = col0 + warp_col + 8 * ni + pair_col + r % 2;
        if (i >= g.m || j >= g.n) continue;
        store_output(g, epilogue, acc[mi][ni][r], i, j, c, pre_gelu);
      }
    }
  }
  if (sums_rows && row0 + tid < g.m) epilogue.bias_grad[row0 + tid] = row_sum;
}

}  // namespace

template <typename TOut>
void gemm_mma(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
              const bfloat16* a, std::int64_t lda, const bfloat16* b, std::int64_t ldb, float beta, TOut* c,
              std::int64_t ldc, const GemmEpilogue& epilogue, TOut* pre_gelu, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>((n + kTile - 1) / kTile), static_cast<unsigned>((m + kTile - 1) / kTile));
  VIT_CHECK(grid.y <= 65535, "gemm: ", m, " rows exceed one launch.");
  launch(gemm_mma_kernel<typename DeviceTypeOf<TOut>::type>, grid, kThreads, 0, stream,
         GemmArgs{trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta}, device_ptr(a), device_ptr(b), device_ptr(c),
         epilogue, device_ptr(pre_gelu));
}

template void gemm_mma<bfloat16>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const bfloat16*,
                                 std::int64_t, const bfloat16*, std::int64_t, float, bfloat16*, std::int64_t,
                                 const GemmEpilogue&, bfloat16*, cudaStream_t);
template void gemm_mma<float>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const bfloat16*,
                              std::int64_t, const bfloat16*, std::int64_t, float, float*, std::int64_t,
                              const GemmEpilogue&, float*, cudaStream_t);

}  // namespace vit::cuda
