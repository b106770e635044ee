// CPU reference LayerNorm. Forward: two passes over each row (mean, then centred variance, in
// double: the reference favours accuracy), one more to write y. Backward per row, with
// xhat = (x - mean) * rstd and g = dy * gamma:
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  dgamma = sum_rows dy * xhat,  dbeta = sum_rows dy.
#include "kernels/cpu/layernorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vit::cpu {

void layernorm_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean,
                       float* rstd, std::int64_t rows, std::int64_t dim, float eps) {
#pragma omp parallel for
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * dim;
    double sum = 0.0;
    for (std::int64_t d = 0; d < dim; ++d) sum += row[d];
    const double mu = sum / static_cast<double>(dim);
    double squares = 0.0;
    for (std::int64_t d = 0; d < dim; ++d) squares += (row[d] - mu) * (row[d] - mu);
    const double inv_std = 1.0 / std::sqrt(squares / static_cast<double>(dim) + eps);
    mean[r] = static_cast<float>(mu);
    rstd[r] = static_cast<float>(inv_std);
    float* out = y + r * dim;
    for (std::int64_t d = 0; d < dim; ++d) {
      out[d] = static_cast<float>((row[d] - mu) * inv_std) * gamma[d] + beta[d];
    }
  }
}

void layernorm_backward(const float* x, const float* gamma, const float* mean, const float* rstd,
                        const float* dy, float* dx, float* dgamma, float* dbeta, std::int64_t rows,
                        std::int64_t dim) {
  if (dx != nullptr) {
#pragma omp parallel for
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* row = x + r * dim;
      const float* grad = dy + r * dim;
      double sum_g = 0.0, sum_g_xhat = 0.0;
      for (std::int64_t d = 0; d < dim; ++d) {
        const double g = static_cast<double>(grad[d]) * gamma[d];
        sum_g += g;
        sum_g_xhat += g * (row[d] - mean[r]) * rstd[r];
      }
      const double mean_g = sum_g / static_cast<double>(dim), mean_g_xhat = sum_g_xhat / static_cast<double>(dim);
      for (std::int64_t d = 0; d < dim; ++d) {
        const double xhat = (row[d] - mean[r]) * static_cast<double>(rstd[r]);
        const double g = static_cast<double>(grad[d]) * gamma[d];
        dx[r * dim + d] = static_cast<float>(rstd[r] * (g - mean_g - xhat * mean_g_xhat));
      }
    }
  }
  if (dgamma == nullptr && dbeta == nullptr) return;
  std::vector<double> sum_gamma(dim, 0.0), sum_beta(dim, 0.0);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t d = 0; d < dim; ++d) {
      const double grad = dy[r * dim + d];
      sum_gamma[d] += grad * (x[r * dim + d] - mean[r]) * rstd[r];
      sum_beta[d] += grad;
    }
  }
  if (dgamma != nullptr) std::transform(sum_gamma.begin(), sum_gamma.end(), dgamma, [](double v) { return static_cast<float>(v); });
  if (dbeta != nullptr) std::transform(sum_beta.begin(), sum_beta.end(), dbeta, [](double v) { return static_cast<float>(v); });
}

}  // namespace vit::cpu
