// CPU reference mean: one read per element, accumulated in double so the reference stays exact
// for large tensors.
#include "kernels/cpu/reduce.h"

#include <algorithm>

#include "kernels/cpu/ordered_sum.h"

namespace vit::cpu {

float mean_forward(const float* x, std::int64_t n) {
  return static_cast<float>(ordered_sum(n, 32768, [x](std::int64_t i) { return double{x[i]}; }) / static_cast<double>(n));
}

void mean_backward(float dout, float* dx, std::int64_t n) {
  std::fill_n(dx, n, dout / static_cast<float>(n));
}

}  // namespace vit::cpu
