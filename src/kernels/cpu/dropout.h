#pragma once
// CPU reference dropout and drop-path with the counter-based Philox stream (runtime/rng.h):
// the mask is recomputed from (seed, index) in the backward, so nothing is saved.
#include <cstdint>

namespace vit::cpu {

// y[i] = keep(i) ? x[i] / (1-p) : 0 with keep(i) = philox_uniform(seed, i) >= p.
void dropout_forward(const float* x, float* y, std::int64_t n, float p, std::uint64_t seed);
void dropout_backward(const float* dy, float* dx, std::int64_t n, float p, std::uint64_t seed);

// The same per sample: row b of [rows, row_size] kept when philox_uniform(seed, b) >= p.
// Backward is the same function applied to dy.
void drop_path_forward(const float* x, float* y, std::int64_t rows, std::int64_t row_size, float p,
                       std::uint64_t seed);

}  // namespace vit::cpu
