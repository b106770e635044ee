#pragma once
// What the tensor-core attention kernels share (attention_mma.cu, attention_mma_backward.cu): the
// block shape (4 warps, 64 rows of queries or keys, 16 per warp), cp.async tile loads, and the
// two products over a block of 64 rows. Fragments from tiles: kernels/cuda/mma_tiles.cuh.
#include <cstdint>

#include "kernels/cuda/mma_tiles.cuh"
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda::attention_mma {

constexpr int kWarps = 4, kThreads = 32 * kWarps, kBlockRows = 16 * kWarps, kBlockTiles = kBlockRows / 8;

struct Dims {
  int tokens, dim, heads;
  float scale;  // 1 / sqrt(head dim)
};

// Rows [first, first + 64) of one head's Q, K, V or dO (row stride `stride`) into a [64][ld] tile
// with 16-byte cp.async copies, zero-filling rows at or past `tokens`. The caller commits.
template <int HeadDim>
__device__ __forceinline__ void load_rows(const __nv_bfloat16* source, int stride, int first, int tokens,
                                          __nv_bfloat16* tile, int ld) {
  constexpr int kChunks = HeadDim / 8;  // 16-byte chunks per row
  for (int c = threadIdx.x; c < kBlockRows * kChunks; c += kThreads) {
    const int r = c / kChunks, d = (c % kChunks) * 8, row = first + r;
    const bool inside = row < tokens;
    const __nv_bfloat16* from = source + static_cast<std::int64_t>(inside ? row : 0) * stride + d;
    cp_async<16, true>(tile + r * ld + d, from, inside ? 16 : 0);
  }
}

// acc[16 rows][64 columns] += A B^T over one 16-wide k step: A the warp's fragment `a`, B the 64
// rows of `b_tile` at columns [k, k + 16) (as S = Q K^T).
__device__ __forceinline__ void multiply_step_by_rows(const std::uint32_t (&a)[4], const __nv_bfloat16* b_tile, int ld,
                                                      int k, float (&acc)[kBlockTiles][4]) {
#pragma unroll
  for (int pair = 0; pair < kBlockTiles / 2; ++pair) {
    std::uint32_t first[2], second[2];
    b_from_rows(b_tile, ld, pair * 16, k, first, second);
    mma_m16n8k16_bf16(acc[2 * pair], a, first, acc[2 * pair]);
    mma_m16n8k16_bf16(acc[2 * pair + 1], a, second, acc[2 * pair + 1]);
  }
}

// acc[16 rows][HeadDim] += L R, L the warp's 16 x 64 accumulators (as bf16 A fragments), R the
// 64 rows of `tile` (as P V).
template <int HeadDim>
__device__ __forceinline__ void accumulate_product(const float (&left)[kBlockTiles][4], const __nv_bfloat16* tile,
                                                   int ld, float (&acc)[HeadDim / 8][4]) {
#pragma unroll
  for (int kk = 0; kk < kBlockRows / 16; ++kk) {
    std::uint32_t a[4];
    a_from_accumulators(left[2 * kk], left[2 * kk + 1], a);
#pragma unroll
    for (int pair = 0; pair < HeadDim / 16; ++pair) {
      std::uint32_t first[2], second[2];
      b_from_columns(tile, ld, kk * 16, pair * 16, first, second);
      mma_m16n8k16_bf16(acc[2 * pair], a, first, acc[2 * pair]);
      mma_m16n8k16_bf16(acc[2 * pair + 1], a, second, acc[2 * pair + 1]);
    }
  }
}

}  // namespace vit::cuda::attention_mma
