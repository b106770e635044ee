// CPU reference LayerNorm. Forward: two passes over each row (mean, then centred variance, summed
// in double: the reference favours accuracy), one more to write y. Backward per row, with
// xhat = (x - mean) * rstd and g = dy * gamma:
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  dgamma = sum_rows dy * xhat,  dbeta = sum_rows dy.
// Rows are spread over the threads; dgamma/dbeta are summed per fixed block of rows and the blocks
// added in order, so the result does not depend on the thread count. The backward reads x and dy
// twice (input gradient, then parameter gradients) and writes dx once.
#include "kernels/cpu/layernorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/vector_math.h"

namespace vit::cpu {

namespace {

constexpr std::int64_t kRowsPerBlock = 64;  // granularity of the parameter-gradient partial sums

VIT_CPU_CLONES void normalize_row(const float* row, const float* gamma, const float* beta, float* out,
                                  std::int64_t dim, float eps, float& mean, float& rstd) {
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (std::int64_t d = 0; d < dim; ++d) sum += row[d];
  const double mu = sum / static_cast<double>(dim);
  double squares = 0.0;
#pragma omp simd reduction(+ : squares)
  for (std::int64_t d = 0; d < dim; ++d) squares += (row[d] - mu) * (row[d] - mu);
  const double inv_std = 1.0 / std::sqrt(squares / static_cast<double>(dim) + eps);
  mean = static_cast<float>(mu);
  rstd = static_cast<float>(inv_std);
#pragma omp simd
  for (std::int64_t d = 0; d < dim; ++d) out[d] = static_cast<float>((row[d] - mu) * inv_std) * gamma[d] + beta[d];
}

VIT_CPU_CLONES void row_input_grad(const float* row, const float* grad, const float* gamma, float mean, float rstd,
                                   float* dx, std::int64_t dim) {
  double sum_g = 0.0, sum_g_xhat = 0.0;
#pragma omp simd reduction(+ : sum_g, sum_g_xhat)
  for (std::int64_t d = 0; d < dim; ++d) {
    const double g = static_cast<double>(grad[d]) * gamma[d];
    sum_g += g;
    sum_g_xhat += g * (row[d] - mean) * rstd;
  }
  const double mean_g = sum_g / static_cast<double>(dim), mean_g_xhat = sum_g_xhat / static_cast<double>(dim);
#pragma omp simd
  for (std::int64_t d = 0; d < dim; ++d) {
    const double xhat = (row[d] - mean) * static_cast<double>(rstd);
    const double g = static_cast<double>(grad[d]) * gamma[d];
    dx[d] = static_cast<float>(rstd * (g - mean_g - xhat * mean_g_xhat));
  }
}

// sum_gamma[d] += sum over the rows of dy * xhat; sum_beta[d] += sum over the rows of dy.
VIT_CPU_CLONES void accumulate_param_grads(const float* x, const float* dy, const float* mean, const float* rstd,
                                           std::int64_t rows, std::int64_t dim, double* sum_gamma,
                                           double* sum_beta) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * dim;
    const float* grad = dy + r * dim;
#pragma omp simd
    for (std::int64_t d = 0; d < dim; ++d) {
      sum_gamma[d] += static_cast<double>(grad[d]) * (row[d] - mean[r]) * rstd[r];
      sum_beta[d] += grad[d];
    }
  }
}

}  // namespace

void layernorm_forward(const float* x, const float* gamma, const float* beta, float* y, float* mean,
                       float* rstd, std::int64_t rows, std::int64_t dim, float eps) {
#pragma omp parallel for
  for (std::int64_t r = 0; r < rows; ++r) {
    normalize_row(x + r * dim, gamma, beta, y + r * dim, dim, eps, mean[r], rstd[r]);
  }
}

void layernorm_backward(const float* x, const float* gamma, const float* mean, const float* rstd,
                        const float* dy, float* dx, float* dgamma, float* dbeta, std::int64_t rows,
                        std::int64_t dim) {
  if (dx != nullptr) {
#pragma omp parallel for
    for (std::int64_t r = 0; r < rows; ++r) {
      row_input_grad(x + r * dim, dy + r * dim, gamma, mean[r], rstd[r], dx + r * dim, dim);
    }
  }
  if (dgamma == nullptr && dbeta == nullptr) return;
  const std::int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  std::vector<double> partial_gamma(blocks * dim, 0.0), partial_beta(blocks * dim, 0.0);
#pragma omp parallel for
  for (std::int64_t block = 0; block < blocks; ++block) {
    const std::int64_t first = block * kRowsPerBlock, count = std::min(kRowsPerBlock, rows - first);
    accumulate_param_grads(x + first * dim, dy + first * dim, mean + first, rstd + first, count, dim,
                           partial_gamma.data() + block * dim, partial_beta.data() + block * dim);
  }
  for (std::int64_t d = 0; d < dim; ++d) {
    double sum_gamma = 0.0, sum_beta = 0.0;
    for (std::int64_t block = 0; block < blocks; ++block) {
      sum_gamma += partial_gamma[block * dim + d];
      sum_beta += partial_beta[block * dim + d];
    }
    if (dgamma != nullptr) dgamma[d] = static_cast<float>(sum_gamma);
    if (dbeta != nullptr) dbeta[d] = static_cast<float>(sum_beta);
  }
}

}  // namespace vit::cpu
