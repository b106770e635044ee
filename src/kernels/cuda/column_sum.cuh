#pragma once
// Column sums of a row-major [rows, cols] matrix with (32 x 8)-thread blocks: block (bx, by) covers
// 32 columns of a band of rows; each thread sums its column over every 8th row of the band
// (a warp reads 32 consecutive values of one row: coalesced), the 8 partials meet in shared memory
// and one float32 atomicAdd per column and band adds the band's sum into the output.
// column_sum_kernel is the plain use; fused kernels call add_column_partials themselves.
#include <cstdint>

#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

constexpr int kColumnTile = 32, kColumnRows = 8, kBandRows = 128;

inline dim3 column_grid(std::int64_t rows, std::int64_t cols) {
  return dim3(static_cast<unsigned>((cols + kColumnTile - 1) / kColumnTile),
              static_cast<unsigned>((rows + kBandRows - 1) / kBandRows));
}
inline dim3 column_block() { return dim3(kColumnTile, kColumnRows); }

// Rows [first, end) of this thread's band.
struct Band {
  std::int64_t first, end;
};
__device__ __forceinline__ Band column_band(std::int64_t rows) {
  const std::int64_t start = static_cast<std::int64_t>(blockIdx.y) * kBandRows;
  return {start + threadIdx.y, start + kBandRows < rows ? start + kBandRows : rows};
}

// Adds the block's 8 per-thread partial sums of column `col` into out[col]. All threads call it.
__device__ __forceinline__ void add_column_partials(float partial, float* out, std::int64_t col, std::int64_t cols) {
  VIT_SHARED(float, partials, [kColumnRows][kColumnTile + 1]);
  partials[threadIdx.y][threadIdx.x] = partial;
  __syncthreads();
  if (threadIdx.y == 0 && col < cols) {
    float sum = 0.0f;
    for (int r = 0; r < kColumnRows; ++r) sum += partials[r][threadIdx.x];
    atomicAdd(out + col, sum);
  }
}

// out[col] += column sums of m [rows, cols] (out zeroed by the caller); with rows <= kBandRows
// there is one band, hence one atomic per column: deterministic.
template <typename T>
__global__ void column_sum_kernel(const T* __restrict__ m, float* __restrict__ out, std::int64_t rows,
                                  std::int64_t cols) {
  const std::int64_t col = static_cast<std::int64_t>(blockIdx.x) * kColumnTile + threadIdx.x;
  const Band band = column_band(rows);
  float sum = 0.0f;
  if (col < cols) {
    for (std::int64_t r = band.first; r < band.end; r += kColumnRows) sum += to_float(m[r * cols + col]);
  }
  add_column_partials(sum, out, col, cols);
}

}  // namespace vit::cuda
