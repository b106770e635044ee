// CPU reference attention, one (batch, head) pair per loop iteration:
//   S = Q K^T / sqrt(hd),  P = softmax_rows(S),  O = P V
// backward:  dP = dO V^T,  dV = P^T dO,  dS = P * (dP - rowsum(dP * P)),  dQ = dS K / sqrt(hd),
//   dK = dS^T Q / sqrt(hd).
// The four products per pair are small sgemms (N x N x hd) on row-strided views: Q, K and V of
// head h are read in place from qkv (row stride 3D), dQ, dK and dV written in place into dqkv,
// so nothing is copied or transposed. The pairs are spread over the threads and each sgemm runs
// single-threaded inside the loop. P (B*H*N*N floats) is stored for the backward: simple and
// exact, where the CUDA kernel recomputes it from the saved log-sum-exp instead.
#include "kernels/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/linear.h"
#include "kernels/cpu/vector_math.h"

namespace vit::cpu {

namespace {

struct HeadView {  // row-strided views of one (batch, head) pair; rows are 3D apart
  const float *q, *k, *v;
};

HeadView head_view(const float* qkv, const AttentionShape& s, std::int64_t b, std::int64_t h) {
  const float* base = qkv + b * s.tokens * 3 * s.dim + h * s.head_dim();
  return {base, base + s.dim, base + 2 * s.dim};
}

VIT_CPU_CLONES void softmax_rows(float* p, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) {
    float* row = p + i * n;
    float row_max = row[0];
#pragma omp simd reduction(max : row_max)
    for (std::int64_t j = 1; j < n; ++j) row_max = std::max(row_max, row[j]);
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (std::int64_t j = 0; j < n; ++j) {
      row[j] = expf(row[j] - row_max);
      sum += row[j];
    }
    const float inv_sum = 1.0f / sum;
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) row[j] *= inv_sum;
  }
}

}  // namespace

void attention_forward(const float* qkv, float* out, float* probs, const AttentionShape& s) {
  const std::int64_t n = s.tokens, hd = s.head_dim(), stride = 3 * s.dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
#pragma omp parallel for collapse(2)
  for (std::int64_t b = 0; b < s.batch; ++b) {
    for (std::int64_t h = 0; h < s.heads; ++h) {
      const HeadView view = head_view(qkv, s, b, h);
      float* p = probs + (b * s.heads + h) * n * n;
      sgemm(false, true, n, n, hd, scale, view.q, stride, view.k, stride, 0.0f, p, n);
      softmax_rows(p, n);
      sgemm(false, false, n, hd, n, 1.0f, p, n, view.v, stride, 0.0f, out + b * n * s.dim + h * hd, s.dim);
    }
  }
}

void attention_backward(const float* qkv, const float* probs, const float* dout, float* dqkv,
                        const AttentionShape& s) {
  const std::int64_t n = s.tokens, hd = s.head_dim(), stride = 3 * s.dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
#pragma omp parallel
  {
    std::vector<float> ds(n * n);
#pragma omp for collapse(2)
    for (std::int64_t b = 0; b < s.batch; ++b) {
      for (std::int64_t h = 0; h < s.heads; ++h) {
        const HeadView view = head_view(qkv, s, b, h);
        const float* p = probs + (b * s.heads + h) * n * n;
        const float* d_o = dout + b * n * s.dim + h * hd;
        float* dq = dqkv + b * n * stride + h * hd;
        sgemm(false, true, n, n, hd, 1.0f, d_o, s.dim, view.v, stride, 0.0f, ds.data(), n);  // dP
        for (std::int64_t i = 0; i < n; ++i) {
          const float* prow = p + i * n;
          float* ds_row = ds.data() + i * n;
          float weighted = 0.0f;  // rowsum(dP * P)
#pragma omp simd reduction(+ : weighted)
          for (std::int64_t j = 0; j < n; ++j) weighted += ds_row[j] * prow[j];
#pragma omp simd
          for (std::int64_t j = 0; j < n; ++j) ds_row[j] = prow[j] * (ds_row[j] - weighted) * scale;
        }
        sgemm(false, false, n, hd, n, 1.0f, ds.data(), n, view.k, stride, 0.0f, dq, stride);          // dQ
        sgemm(true, false, n, hd, n, 1.0f, ds.data(), n, view.q, stride, 0.0f, dq + s.dim, stride);   // dK
        sgemm(true, false, n, hd, n, 1.0f, p, n, d_o, s.dim, 0.0f, dq + 2 * s.dim, stride);           // dV
      }
    }
  }
}

}  // namespace vit::cpu
