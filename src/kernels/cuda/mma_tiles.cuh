#pragma once
// mma operands from bf16 tiles in shared memory ([rows][ld], rows 16-byte aligned) with
// ldmatrix, and from f32 accumulators: what the tensor-core kernels (attention_mma*.cu,
// gemm_mma.cu) share. Fragment layouts: kernels/cuda/mma.cuh.
#include <cstdint>

#include "kernels/cuda/mma.cuh"
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

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

}  // namespace vit::cuda
