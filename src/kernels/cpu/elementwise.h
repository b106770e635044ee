#pragma once
// CPU reference element-wise ops: broadcast add, exact GELU, tanh.
#include <cstdint>

namespace vit::cpu {

// out[i] = a[i] + b[i % b_count]: b_count == n is a plain add, b_count < n broadcasts b over
// the leading dim (n is a multiple of b_count).
void add_forward(const float* a, const float* b, float* out, std::int64_t n, std::int64_t b_count);
// db[j] = sum of dout[i] over i % b_count == j.
void add_backward_broadcast(const float* dout, float* db, std::int64_t n, std::int64_t b_count);

void gelu_forward(const float* x, float* y, std::int64_t n);
void gelu_backward(const float* x, const float* dy, float* dx, std::int64_t n);

void tanh_forward(const float* x, float* y, std::int64_t n);
void tanh_backward(const float* y, const float* dy, float* dx, std::int64_t n);  // from the output

}  // namespace vit::cpu
