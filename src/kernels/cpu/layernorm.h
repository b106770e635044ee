#pragma once
// CPU reference LayerNorm over the last dim of x [rows, dim].
#include <cstdint>

namespace vit::cpu {

// y = (x - mean) * rstd * gamma + beta; saves mean and rstd [rows] for the backward.
void layernorm_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean,
                       float* rstd, std::int64_t rows, std::int64_t dim, float eps);

// dx overwritten (may be null); dgamma and dbeta overwritten with sums over rows (may be null).
void layernorm_backward(const float* x, const float* gamma, const float* mean, const float* rstd,
                        const float* dy, float* dx, float* dgamma, float* dbeta, std::int64_t rows,
                        std::int64_t dim);

}  // namespace vit::cpu
