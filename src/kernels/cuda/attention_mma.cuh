#pragma once
// What the tensor-core attention kernels share (attention_mma.cu, attention_mma_backward.cu): the
// block shape (4 warps, 64 rows of queries or keys, 16 per warp), cp.async tile loads, and the
// three ways an mma operand comes from a [rows][ld] bf16 tile in shared memory or from f32
// accumulators. Fragment layouts: kernels/cuda/mma.cuh.
#include <cstdint>

#include "kernels/cuda/mma.cuh"
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

// ldmatrix.x4 hands in row lane % 8 of matrix lane / 8.
__device__ __forceinline__ int lane_matrix() { return threadIdx.x % 32 / 8; }
__device__ __forceinline__ int lane_row() { return threadIdx.x % 8; }

// The A fragment of rows [row, row + 16) x columns [col, col + 16) of a row-major tile.
__device__ __forceinline__ void a_from_tile(const __nv_bfloat16* tile, int ld, int row, int col,
                                            std::uint32_t (&a)[4]) {
  ldmatrix<4>(a, tile + (row + (lane_matrix() % 2) * 8 + lane_row()) * ld + col + (lane_matrix() / 2) * 8);
}

// B fragments of two n tiles when the tile's rows are B's columns (B = tile^T, as K in Q K^T):
// rows [n, n + 16) give the n tiles, columns [k, k + 16) the k range.
__device__ __forceinline__ void b_from_rows(const __nv_bfloat16* tile, int ld, int n, int k, std::uint32_t (&first)[2],
                                            std::uint32_t (&second)[2]) {
  std::uint32_t r[4];
  ldmatrix<4>(r, tile + (n + (lane_matrix() / 2) * 8 + lane_row()) * ld + k + (lane_matrix() % 2) * 8);
  first[0] = r[0], first[1] = r[1], second[0] = r[2], second[1] = r[3];
}

// B fragments of two n tiles when the tile's rows are B's rows (B = tile, as V in P V): rows
// [k, k + 16) are the k range, columns [n, n + 16) give the n tiles.
__device__ __forceinline__ void b_from_columns(const __nv_bfloat16* tile, int ld, int k, int n,
                                               std::uint32_t (&first)[2], std::uint32_t (&second)[2]) {
  std::uint32_t r[4];
  ldmatrix<4, true>(r, tile + (k + (lane_matrix() % 2) * 8 + lane_row()) * ld + n + (lane_matrix() / 2) * 8);
  first[0] = r[0], first[1] = r[1], second[0] = r[2], second[1] = r[3];
}

// The A fragment (16 rows x 16 k) made of two f32 accumulator tiles (16 x 8 each, k 0-7 and 8-15),
// rounded to bf16: an mma's output feeds the next mma without a trip through shared memory.
__device__ __forceinline__ void a_from_accumulators(const float (&low)[4], const float (&high)[4],
                                                    std::uint32_t (&a)[4]) {
  a[0] = pack_bf16x2(__float2bfloat16(low[0]), __float2bfloat16(low[1]));
  a[1] = pack_bf16x2(__float2bfloat16(low[2]), __float2bfloat16(low[3]));
  a[2] = pack_bf16x2(__float2bfloat16(high[0]), __float2bfloat16(high[1]));
  a[3] = pack_bf16x2(__float2bfloat16(high[2]), __float2bfloat16(high[3]));
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
