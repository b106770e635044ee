#pragma once
// CPU reference softmax cross-entropy with label smoothing over logits [rows, classes].
#include <cstdint>

namespace vit::cpu {

// Returns the mean loss over rows; target = (1-s) one-hot(label) + s/C.
float cross_entropy_forward(const float* logits, const std::int32_t* labels, std::int64_t rows,
                            std::int64_t classes, float smoothing);

// dlogits = (softmax - target) * dloss / rows.
void cross_entropy_backward(const float* logits, const std::int32_t* labels, float dloss,
                            float* dlogits, std::int64_t rows, std::int64_t classes, float smoothing);

}  // namespace vit::cpu
