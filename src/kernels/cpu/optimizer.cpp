// CPU reference optimizer updates: one pass over parameter, gradient and state, each element
// read and written once (AdamW: 4 reads, 3 writes per element; SGD with momentum: 3 and 2).
#include "kernels/cpu/optimizer.h"

#include <cmath>

#include "kernels/cpu/ordered_sum.h"

namespace vit::cpu {

void adamw_update(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, std::int64_t n,
                  const AdamWStep& s) {
  const float step_size = s.lr / s.bias_correction1;
  const float sqrt_bc2 = std::sqrt(s.bias_correction2);
  const float decay = 1.0f - s.lr * s.weight_decay;
#pragma omp parallel for if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) {
    const float g = grad[i];
    exp_avg[i] = s.beta1 * exp_avg[i] + (1.0f - s.beta1) * g;
    exp_avg_sq[i] = s.beta2 * exp_avg_sq[i] + (1.0f - s.beta2) * g * g;
    const float denom = std::sqrt(exp_avg_sq[i]) / sqrt_bc2 + s.eps;
    param[i] = param[i] * decay - step_size * exp_avg[i] / denom;
  }
}

void sgd_update(float* param, const float* grad, float* momentum_buffer, std::int64_t n, const SgdStep& s) {
#pragma omp parallel for if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) {
    float g = grad[i] + s.weight_decay * param[i];
    if (momentum_buffer != nullptr) {
      const float buf = momentum_buffer[i] = s.momentum * momentum_buffer[i] + g;
      g = s.nesterov ? g + s.momentum * buf : buf;
    }
    param[i] -= s.lr * g;
  }
}

double sum_of_squares(const float* x, std::int64_t n) {
  return ordered_sum(n, 65536, [x](std::int64_t i) { return static_cast<double>(x[i]) * x[i]; });
}

void scale_in_place(float* x, std::int64_t n, float factor) {
#pragma omp parallel for if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) x[i] *= factor;
}

}  // namespace vit::cpu
