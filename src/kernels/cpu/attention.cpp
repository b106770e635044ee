// CPU reference attention, one (batch, head) pair per loop iteration:
//   S = Q K^T / sqrt(hd),  P = softmax_rows(S),  O = P V
// backward:  dP = dO V^T,  dV = P^T dO,  dS = P * (dP - rowsum(dP * P)),  dQ = dS K / sqrt(hd),
//   dK = dS^T Q / sqrt(hd).
// It stores P (B*H*N*N floats): simple and exact, where the CUDA kernel recomputes it from the
// saved log-sum-exp instead. Q, K, V of head h are read in place from qkv with row stride 3D;
// K and V are first copied transposed ([hd, N], a few KB per head), and the backward accumulates
// dK and dV transposed, so that every inner loop runs over contiguous memory and vectorises.
#include "kernels/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vit::cpu {

namespace {

struct HeadView {  // row-strided views of one (batch, head) pair
  std::int64_t n, hd, stride;
  const float *q, *k, *v;
};

HeadView head_view(const float* qkv, const AttentionShape& s, std::int64_t b, std::int64_t h) {
  const std::int64_t stride = 3 * s.dim, hd = s.head_dim();
  const float* base = qkv + b * s.tokens * stride + h * hd;
  return {s.tokens, hd, stride, base, base + s.dim, base + 2 * s.dim};
}

// out[d * n + j] = rows[j * stride + d]
void transpose_rows(const float* rows, std::int64_t n, std::int64_t hd, std::int64_t stride, float* out) {
  for (std::int64_t j = 0; j < n; ++j) {
    for (std::int64_t d = 0; d < hd; ++d) out[d * n + j] = rows[j * stride + d];
  }
}

// scores[j] = scale * sum_d a[d] * bt[d * n + j]: one row of a product with a transposed operand.
void row_times_transposed(const float* a, const float* bt, std::int64_t n, std::int64_t hd, float scale,
                          float* scores) {
  std::fill_n(scores, n, 0.0f);
  for (std::int64_t d = 0; d < hd; ++d) {
    const float ad = a[d] * scale;
    const float* column = bt + d * n;
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) scores[j] += ad * column[j];
  }
}

// out[0..count) += w * row[0..count)
inline void axpy(float w, const float* row, std::int64_t count, float* out) {
#pragma omp simd
  for (std::int64_t i = 0; i < count; ++i) out[i] += w * row[i];
}

}  // namespace

void attention_forward(const float* qkv, float* out, float* probs, const AttentionShape& s) {
  const std::int64_t n = s.tokens, hd = s.head_dim();
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
#pragma omp parallel
  {
    std::vector<float> kt(hd * n);
#pragma omp for collapse(2)
    for (std::int64_t b = 0; b < s.batch; ++b) {
      for (std::int64_t h = 0; h < s.heads; ++h) {
        const HeadView view = head_view(qkv, s, b, h);
        transpose_rows(view.k, n, hd, view.stride, kt.data());
        float* p = probs + (b * s.heads + h) * n * n;
        for (std::int64_t i = 0; i < n; ++i) {
          float* row = p + i * n;
          row_times_transposed(view.q + i * view.stride, kt.data(), n, hd, scale, row);
          const float row_max = *std::max_element(row, row + n);
          float sum = 0.0f;
          for (std::int64_t j = 0; j < n; ++j) sum += (row[j] = std::exp(row[j] - row_max));
          const float inv_sum = 1.0f / sum;
          for (std::int64_t j = 0; j < n; ++j) row[j] *= inv_sum;
          float* o = out + (b * n + i) * s.dim + h * hd;
          std::fill_n(o, hd, 0.0f);
          for (std::int64_t j = 0; j < n; ++j) axpy(row[j], view.v + j * view.stride, hd, o);
        }
      }
    }
  }
}

void attention_backward(const float* qkv, const float* probs, const float* dout, float* dqkv,
                        const AttentionShape& s) {
  const std::int64_t n = s.tokens, hd = s.head_dim(), stride = 3 * s.dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
#pragma omp parallel
  {
    // dK and dV are accumulated transposed ([hd, N]) so that their updates run along N.
    std::vector<float> kt(hd * n), vt(hd * n), dkt(hd * n), dvt(hd * n), ds(n);
#pragma omp for collapse(2)
    for (std::int64_t b = 0; b < s.batch; ++b) {
      for (std::int64_t h = 0; h < s.heads; ++h) {
        const HeadView view = head_view(qkv, s, b, h);
        transpose_rows(view.k, n, hd, stride, kt.data());
        transpose_rows(view.v, n, hd, stride, vt.data());
        std::fill(dkt.begin(), dkt.end(), 0.0f);
        std::fill(dvt.begin(), dvt.end(), 0.0f);
        const float* p = probs + (b * s.heads + h) * n * n;
        float* dq = dqkv + b * n * stride + h * hd;  // row stride 3D
        for (std::int64_t i = 0; i < n; ++i) {
          const float* prow = p + i * n;
          const float* do_row = dout + (b * n + i) * s.dim + h * hd;
          const float* q_row = view.q + i * stride;
          row_times_transposed(do_row, vt.data(), n, hd, 1.0f, ds.data());  // dP row
          float weighted = 0.0f;                                             // rowsum(dP * P)
          for (std::int64_t j = 0; j < n; ++j) weighted += ds[j] * prow[j];
          for (std::int64_t j = 0; j < n; ++j) ds[j] = prow[j] * (ds[j] - weighted) * scale;
          for (std::int64_t d = 0; d < hd; ++d) {
            float dq_d = 0.0f;
            const float* k_col = kt.data() + d * n;
#pragma omp simd reduction(+ : dq_d)
            for (std::int64_t j = 0; j < n; ++j) dq_d += ds[j] * k_col[j];
            dq[i * stride + d] = dq_d;
            axpy(q_row[d], ds.data(), n, dkt.data() + d * n);   // dK^T[d] += q_i[d] dS_i
            axpy(do_row[d], prow, n, dvt.data() + d * n);       // dV^T[d] += dO_i[d] P_i
          }
        }
        for (std::int64_t j = 0; j < n; ++j) {
          for (std::int64_t d = 0; d < hd; ++d) {
            dq[j * stride + s.dim + d] = dkt[d * n + j];
            dq[j * stride + 2 * s.dim + d] = dvt[d * n + j];
          }
        }
      }
    }
  }
}

}  // namespace vit::cpu
