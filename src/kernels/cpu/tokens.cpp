// CPU reference token copies: pure data movement, one read and one write per element. The token
// mean reads x once and sums each feature over the tokens in double (then divides), so it is the
// reference the float32-accumulating CUDA kernel is checked against; its backward writes dx once.
#include "kernels/cpu/tokens.h"

#include <algorithm>
#include <vector>

namespace vit::cpu {

void concat_class_token_forward(const float* cls, const float* tokens, float* out, std::int64_t batch,
                                std::int64_t n, std::int64_t dim) {
#pragma omp parallel for
  for (std::int64_t b = 0; b < batch; ++b) {
    float* sequence = out + b * (n + 1) * dim;
    std::copy_n(cls, dim, sequence);
    std::copy_n(tokens + b * n * dim, n * dim, sequence + dim);
  }
}

void concat_class_token_backward(const float* dout, float* dcls, float* dtokens, std::int64_t batch,
                                 std::int64_t n, std::int64_t dim) {
  if (dcls != nullptr) {
    std::fill_n(dcls, dim, 0.0f);
    for (std::int64_t b = 0; b < batch; ++b) {
      const float* row = dout + b * (n + 1) * dim;
      for (std::int64_t d = 0; d < dim; ++d) dcls[d] += row[d];
    }
  }
  if (dtokens != nullptr) {
#pragma omp parallel for
    for (std::int64_t b = 0; b < batch; ++b) {
      std::copy_n(dout + (b * (n + 1) + 1) * dim, n * dim, dtokens + b * n * dim);
    }
  }
}

void select_token_forward(const float* x, float* out, std::int64_t batch, std::int64_t n,
                          std::int64_t dim, std::int64_t index) {
  for (std::int64_t b = 0; b < batch; ++b) std::copy_n(x + (b * n + index) * dim, dim, out + b * dim);
}

void select_token_backward(const float* dout, float* dx, std::int64_t batch, std::int64_t n,
                           std::int64_t dim, std::int64_t index) {
  std::fill_n(dx, batch * n * dim, 0.0f);
  for (std::int64_t b = 0; b < batch; ++b) std::copy_n(dout + b * dim, dim, dx + (b * n + index) * dim);
}

void mean_tokens_forward(const float* x, float* out, std::int64_t batch, std::int64_t n, std::int64_t dim,
                         std::int64_t first) {
  const double scale = 1.0 / static_cast<double>(n - first);
#pragma omp parallel for
  for (std::int64_t b = 0; b < batch; ++b) {
    std::vector<double> sum(static_cast<std::size_t>(dim), 0.0);
    for (std::int64_t t = first; t < n; ++t) {
      const float* row = x + (b * n + t) * dim;
      for (std::int64_t d = 0; d < dim; ++d) sum[d] += row[d];
    }
    for (std::int64_t d = 0; d < dim; ++d) out[b * dim + d] = static_cast<float>(sum[d] * scale);
  }
}

void mean_tokens_backward(const float* dout, float* dx, std::int64_t batch, std::int64_t n, std::int64_t dim,
                          std::int64_t first) {
  const float count = static_cast<float>(n - first);  // divided, like PyTorch's mean backward
#pragma omp parallel for
  for (std::int64_t b = 0; b < batch; ++b) {
    std::fill_n(dx + b * n * dim, first * dim, 0.0f);
    for (std::int64_t t = first; t < n; ++t) {
      float* row = dx + (b * n + t) * dim;
      for (std::int64_t d = 0; d < dim; ++d) row[d] = dout[b * dim + d] / count;
    }
  }
}

}  // namespace vit::cpu
