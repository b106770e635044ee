// CPU reference mean: one read per element, accumulated in double so the reference stays exact
// for large tensors.
#include "kernels/cpu/reduce.h"

#include <algorithm>

namespace vit::cpu {

float mean_forward(const float* x, std::int64_t n) {
  double sum = 0.0;
#pragma omp parallel for reduction(+ : sum) if (n > 32768)
  for (std::int64_t i = 0; i < n; ++i) sum += x[i];
  return static_cast<float>(sum / static_cast<double>(n));
}

void mean_backward(float dout, float* dx, std::int64_t n) {
  std::fill_n(dx, n, dout / static_cast<float>(n));
}

}  // namespace vit::cpu
