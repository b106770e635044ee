// CPU reference dropout/drop-path: one read and one write per element; the random number of an
// element depends only on (seed, index), so the result is identical for any thread count.
#include "kernels/cpu/dropout.h"

#include "vitcuda/runtime/rng.h"

namespace vit::cpu {

void dropout_forward(const float* x, float* y, std::int64_t n, float p, std::uint64_t seed) {
  const float scale = 1.0f / (1.0f - p);
#pragma omp parallel for if (n > 8192)
  for (std::int64_t i = 0; i < n; ++i) {
    y[i] = philox_uniform(seed, static_cast<std::uint64_t>(i)) >= p ? x[i] * scale : 0.0f;
  }
}

void dropout_backward(const float* dy, float* dx, std::int64_t n, float p, std::uint64_t seed) {
  dropout_forward(dy, dx, n, p, seed);  // the same mask and scale applied to the gradient
}

void drop_path_forward(const float* x, float* y, std::int64_t rows, std::int64_t row_size, float p,
                       std::uint64_t seed) {
  const float scale = 1.0f / (1.0f - p);
#pragma omp parallel for
  for (std::int64_t r = 0; r < rows; ++r) {
    const float factor = philox_uniform(seed, static_cast<std::uint64_t>(r)) >= p ? scale : 0.0f;
    for (std::int64_t j = 0; j < row_size; ++j) y[r * row_size + j] = x[r * row_size + j] * factor;
  }
}

}  // namespace vit::cpu
