// The second stage of the deterministic column sums (column_sum.cuh): one thread per column adds
// its bands in order. Traffic: the [bands, cols] partials read once, out written once.
#include "kernels/cuda/column_sum.cuh"

namespace vit::cuda {

namespace {

__global__ void add_bands_kernel(const float* __restrict__ band_sums, std::int64_t bands, float* __restrict__ out,
                                 std::int64_t cols) {
  for (std::int64_t col = first_index(); col < cols; col += grid_stride()) {
    float sum = 0.0f;
    for (std::int64_t b = 0; b < bands; ++b) sum += band_sums[b * cols + col];
    out[col] = sum;
  }
}

}  // namespace

void add_column_bands(const float* band_sums, std::int64_t bands, float* out, std::int64_t cols, cudaStream_t stream) {
  launch_grid_stride(add_bands_kernel, cols, stream, band_sums, bands, out, cols);
}

}  // namespace vit::cuda
