// CPU reference attention, one (batch, head) pair per loop iteration, plain loops:
//   S = Q K^T / sqrt(hd),  P = softmax_rows(S),  O = P V
// backward:  dP = dO V^T,  dV = P^T dO,  dS = P * (dP - rowsum(dP * P)),  dQ = dS K / sqrt(hd),
//   dK = dS^T Q / sqrt(hd).
// It stores P (B*H*N*N floats): simple and exact, where the CUDA kernel recomputes it from the
// saved log-sum-exp instead. Q, K, V of head h are read in place from qkv with row stride 3D.
#include "kernels/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vit::cpu {

namespace {

struct HeadView {  // row-strided views of one (batch, head) pair
  std::int64_t stride, hd;
  const float *q, *k, *v;
  float row_dot(const float* a, std::int64_t i, const float* b, std::int64_t j) const {
    float sum = 0.0f;
    for (std::int64_t d = 0; d < hd; ++d) sum += a[i * stride + d] * b[j * stride + d];
    return sum;
  }
};

HeadView head_view(const float* qkv, const AttentionShape& s, std::int64_t b, std::int64_t h) {
  const std::int64_t stride = 3 * s.dim, hd = s.head_dim();
  const float* base = qkv + b * s.tokens * stride + h * hd;
  return {stride, hd, base, base + s.dim, base + 2 * s.dim};
}

}  // namespace

void attention_forward(const float* qkv, float* out, float* probs, const AttentionShape& s) {
  const std::int64_t n = s.tokens, hd = s.head_dim();
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
#pragma omp parallel for collapse(2)
  for (std::int64_t b = 0; b < s.batch; ++b) {
    for (std::int64_t h = 0; h < s.heads; ++h) {
      const HeadView view = head_view(qkv, s, b, h);
      float* p = probs + (b * s.heads + h) * n * n;
      for (std::int64_t i = 0; i < n; ++i) {
        float* row = p + i * n;
        float row_max = -INFINITY;
        for (std::int64_t j = 0; j < n; ++j) {
          row[j] = view.row_dot(view.q, i, view.k, j) * scale;
          row_max = std::max(row_max, row[j]);
        }
        float sum = 0.0f;
        for (std::int64_t j = 0; j < n; ++j) sum += (row[j] = std::exp(row[j] - row_max));
        for (std::int64_t j = 0; j < n; ++j) row[j] /= sum;
        float* o = out + (b * n + i) * s.dim + h * hd;
        std::fill_n(o, hd, 0.0f);
        for (std::int64_t j = 0; j < n; ++j) {
          for (std::int64_t d = 0; d < hd; ++d) o[d] += row[j] * view.v[j * view.stride + d];
        }
      }
    }
  }
}

void attention_backward(const float* qkv, const float* probs, const float* dout, float* dqkv,
                        const AttentionShape& s) {
  const std::int64_t n = s.tokens, hd = s.head_dim(), stride = 3 * s.dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
#pragma omp parallel for collapse(2)
  for (std::int64_t b = 0; b < s.batch; ++b) {
    for (std::int64_t h = 0; h < s.heads; ++h) {
      const HeadView view = head_view(qkv, s, b, h);
      const float* p = probs + (b * s.heads + h) * n * n;
      const float* d_o = dout + b * n * s.dim + h * hd;  // row stride D
      float* dq = dqkv + b * n * stride + h * hd;         // row stride 3D
      float* dk = dq + s.dim;
      float* dv = dq + 2 * s.dim;
      for (std::int64_t i = 0; i < n; ++i) {
        std::fill_n(dq + i * stride, hd, 0.0f);
        std::fill_n(dk + i * stride, hd, 0.0f);
        std::fill_n(dv + i * stride, hd, 0.0f);
      }
      std::vector<float> ds(n);
      for (std::int64_t i = 0; i < n; ++i) {
        const float* prow = p + i * n;
        float weighted = 0.0f;  // rowsum(dP * P)
        for (std::int64_t j = 0; j < n; ++j) {
          float dp = 0.0f;
          for (std::int64_t d = 0; d < hd; ++d) dp += d_o[i * s.dim + d] * view.v[j * stride + d];
          ds[j] = dp;
          weighted += dp * prow[j];
        }
        for (std::int64_t j = 0; j < n; ++j) {
          ds[j] = prow[j] * (ds[j] - weighted) * scale;
          for (std::int64_t d = 0; d < hd; ++d) {
            dq[i * stride + d] += ds[j] * view.k[j * stride + d];
            dk[j * stride + d] += ds[j] * view.q[i * stride + d];
            dv[j * stride + d] += prow[j] * d_o[i * s.dim + d];
          }
        }
      }
    }
  }
}

}  // namespace vit::cpu
