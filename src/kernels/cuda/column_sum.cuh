#pragma once
// Column sums of a row-major [rows, cols] matrix without float atomics, so that a training step
// gives the same bits every run. (32 x 8)-thread blocks: block (bx, by) covers 32 columns of a
// band of 128 rows; each thread sums its column over every 8th row of the band (a warp reads 32
// consecutive values of one row: coalesced), the 8 partials meet in shared memory in a fixed
// order, and the block writes its band's sums into row `by` of a [bands, cols] scratch;
// ColumnSums::finish then adds the bands in order (one band: the kernel writes `out` directly).
// column_sum_kernel is the plain use; fused kernels call store_column_partials themselves.
#include <cstdint>

#include "runtime/cuda/numeric.cuh"
#include "runtime/cuda/scratch.h"

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

// Writes the sum of the block's 8 per-thread partials of column `col` into row blockIdx.y of
// `band_sums` [bands, cols]. All threads call it.
__device__ __forceinline__ void store_column_partials(float partial, float* band_sums, std::int64_t col,
                                                      std::int64_t cols) {
  VIT_SHARED(float, partials, [kColumnRows][kColumnTile + 1]);
  partials[threadIdx.y][threadIdx.x] = partial;
  __syncthreads();
  if (threadIdx.y == 0 && col < cols) {
    float sum = 0.0f;
    for (int r = 0; r < kColumnRows; ++r) sum += partials[r][threadIdx.x];
    band_sums[static_cast<std::int64_t>(blockIdx.y) * cols + col] = sum;
  }
}

// band_sums [bands, cols] = the column sums of each 128-row band of m [rows, cols].
template <typename T>
__global__ void column_sum_kernel(const T* __restrict__ m, float* __restrict__ band_sums, std::int64_t rows,
                                  std::int64_t cols) {
  const std::int64_t col = static_cast<std::int64_t>(blockIdx.x) * kColumnTile + threadIdx.x;
  const Band band = column_band(rows);
  float sum = 0.0f;
  if (col < cols) {
    for (std::int64_t r = band.first; r < band.end; r += kColumnRows) sum += to_float(m[r * cols + col]);
  }
  store_column_partials(sum, band_sums, col, cols);
}

// out[col] = sum over bands of band_sums[band][col], bands in order (column_sum.cu).
void add_column_bands(const float* band_sums, std::int64_t bands, float* out, std::int64_t cols, cudaStream_t stream);

// The band sums of one column-sum launch (column_grid(rows, cols)) and their total into `out`.
class ColumnSums {
 public:
  ColumnSums(std::int64_t rows, std::int64_t cols, float* out)
      : bands_((rows + kBandRows - 1) / kBandRows), cols_(cols), out_(out),
        scratch_(bands_ > 1 ? static_cast<std::size_t>(bands_ * cols) : 0) {}
  float* band_sums() const { return bands_ > 1 ? scratch_.get() : out_; }
  void finish(cudaStream_t stream) const {
    if (bands_ > 1) add_column_bands(scratch_.get(), bands_, out_, cols_, stream);
  }

 private:
  std::int64_t bands_, cols_;
  float* out_;
  Scratch<float> scratch_;
};

// out [cols] = the column sums of m [rows, cols], in the same order every run.
template <typename T>
void column_sums(const T* m, std::int64_t rows, std::int64_t cols, float* out, cudaStream_t stream) {
  if (cols == 0) return;
  if (rows == 0) {
    CUDA_CHECK(cudaMemsetAsync(out, 0, cols * sizeof(float), stream));
    return;
  }
  const ColumnSums sums(rows, cols, out);
  launch(column_sum_kernel<typename DeviceTypeOf<T>::type>, column_grid(rows, cols), column_block(), 0, stream,
         device_ptr(m), sums.band_sums(), rows, cols);
  sums.finish(stream);
}

}  // namespace vit::cuda
