#pragma once
// CPU reference: y = x W^T + b with oneDNN sgemm. Shapes: x [rows, in], w [out, in], b [out].
#include <cstdint>

namespace vit::cpu {

// C[m, n] = alpha * op(A) op(B) + beta * C, row-major; op transposes when the flag is set.
void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
           const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
           std::int64_t ldc);

void linear_forward(const float* x, const float* w, const float* b, float* y, std::int64_t rows,
                    std::int64_t in, std::int64_t out);

// Any of dx, dw, db may be null to skip that gradient. Outputs are overwritten.
void linear_backward(const float* x, const float* w, const float* dy, float* dx, float* dw,
                     float* db, std::int64_t rows, std::int64_t in, std::int64_t out);

}  // namespace vit::cpu
