#pragma once
// CPU reference optimizer updates on one parameter tensor, PyTorch's formulas exactly.
#include <cstdint>

#include "kernels/kernel_args.h"

namespace vit::cpu {

// p -= lr wd p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
// p -= (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps)
void adamw_update(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, std::int64_t n,
                  const AdamWStep& step);

// g += wd p;  buf = momentum buf + g;  p -= lr (nesterov ? g + momentum buf : buf).
// With momentum 0, buf may be null and p -= lr g.
void sgd_update(float* param, const float* grad, float* momentum_buffer, std::int64_t n, const SgdStep& step);

double sum_of_squares(const float* x, std::int64_t n);
void scale_in_place(float* x, std::int64_t n, float factor);

}  // namespace vit::cpu
