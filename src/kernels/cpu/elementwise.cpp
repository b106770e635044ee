// CPU reference element-wise kernels: one read per input and one write per output element.
#include "kernels/cpu/elementwise.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/vector_math.h"

namespace vit::cpu {

namespace {
constexpr std::int64_t kParallelMin = 32768;  // below this, threads cost more than they save
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
}  // namespace

void add_forward(const float* a, const float* b, float* out, std::int64_t n, std::int64_t b_count) {
  if (b_count == n) {
#pragma omp parallel for simd if (n > kParallelMin)
    for (std::int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
    return;
  }
  // b repeats every b_count elements: one pass per repetition, no index modulo.
#pragma omp parallel for if (n > kParallelMin)
  for (std::int64_t start = 0; start < n; start += b_count) {
#pragma omp simd
    for (std::int64_t j = 0; j < b_count; ++j) out[start + j] = a[start + j] + b[j];
  }
}

void add_backward_broadcast(const float* dout, float* db, std::int64_t n, std::int64_t b_count) {
  std::fill_n(db, b_count, 0.0f);
  for (std::int64_t start = 0; start < n; start += b_count) {
    for (std::int64_t j = 0; j < b_count; ++j) db[j] += dout[start + j];
  }
}

namespace {

VIT_CPU_CLONES void gelu_chunk(const float* x, float* y, std::int64_t n) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * kInvSqrt2));
}

// d/dx [x Phi(x)] = Phi(x) + x phi(x)
VIT_CPU_CLONES void gelu_backward_chunk(const float* x, const float* dy, float* dx, std::int64_t n) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    const float cdf = 0.5f * (1.0f + erff(x[i] * kInvSqrt2));
    const float pdf = kInvSqrt2Pi * expf(-0.5f * x[i] * x[i]);
    dx[i] = dy[i] * (cdf + x[i] * pdf);
  }
}

// Calls chunk(begin, count) over [0, n) in pieces of kChunk, spread over the threads.
template <class Chunk>
void for_chunks(std::int64_t n, Chunk chunk) {
  constexpr std::int64_t kChunk = 4096;
#pragma omp parallel for if (n > kParallelMin)
  for (std::int64_t begin = 0; begin < n; begin += kChunk) chunk(begin, std::min(kChunk, n - begin));
}

}  // namespace

void gelu_forward(const float* x, float* y, std::int64_t n) {
  for_chunks(n, [&](std::int64_t begin, std::int64_t count) { gelu_chunk(x + begin, y + begin, count); });
}

void gelu_backward(const float* x, const float* dy, float* dx, std::int64_t n) {
  for_chunks(n, [&](std::int64_t begin, std::int64_t count) {
    gelu_backward_chunk(x + begin, dy + begin, dx + begin, count);
  });
}

void tanh_forward(const float* x, float* y, std::int64_t n) {
#pragma omp parallel for if (n > kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}

void tanh_backward(const float* y, const float* dy, float* dx, std::int64_t n) {
#pragma omp parallel for if (n > kParallelMin)
  for (std::int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

}  // namespace vit::cpu
