// CPU reference linear layer. Forward: one sgemm with the bias pre-filled into y (beta = 1).
// Backward: dx = dy W and dW = dy^T x as sgemms, db = column sums of dy. Each operand is read
// once per product; oneDNN's sgemm threads the products itself (on our OpenMP pool) and runs
// single-threaded when called from inside a parallel loop.
#include "kernels/cpu/linear.h"

#include <dnnl.h>

#include <string>

#include "vitcuda/runtime/check.h"

#include <algorithm>

namespace vit::cpu {

void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
           const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
           std::int64_t ldc) {
  const dnnl_status_t status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b,
                                          ldb, beta, c, ldc);  // row-major
  if (status != dnnl_success) {
    throw Error("oneDNN sgemm failed (status " + std::to_string(static_cast<int>(status)) + ") on a " +
                std::to_string(m) + "x" + std::to_string(k) + " by " + std::to_string(k) + "x" + std::to_string(n) +
                " product");
  }
}

void linear_forward(const float* x, const float* w, const float* b, float* y, std::int64_t rows,
                    std::int64_t in, std::int64_t out) {
  if (b != nullptr) {
#pragma omp parallel for if (rows * out > 65536)
    for (std::int64_t r = 0; r < rows; ++r) std::copy_n(b, out, y + r * out);
  }
  sgemm(false, true, rows, out, in, 1.0f, x, in, w, in, b != nullptr ? 1.0f : 0.0f, y, out);
}

void linear_backward(const float* x, const float* w, const float* dy, float* dx, float* dw,
                     float* db, std::int64_t rows, std::int64_t in, std::int64_t out) {
  if (dx != nullptr) sgemm(false, false, rows, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
  if (dw != nullptr) sgemm(true, false, out, in, rows, 1.0f, dy, out, x, in, 0.0f, dw, in);
  if (db != nullptr) {
    std::fill_n(db, out, 0.0f);
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* row = dy + r * out;
#pragma omp simd
      for (std::int64_t j = 0; j < out; ++j) db[j] += row[j];
    }
  }
}

}  // namespace vit::cpu
