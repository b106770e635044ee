#pragma once
// CPU reference reductions.
#include <cstdint>

namespace vit::cpu {

float mean_forward(const float* x, std::int64_t n);  // accumulates in double
void mean_backward(float dout, float* dx, std::int64_t n);

}  // namespace vit::cpu
