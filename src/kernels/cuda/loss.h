#pragma once
// CUDA softmax cross-entropy with label smoothing (loss.cu), the twin of cpu/loss.cpp, over
// logits [rows, classes] (float or bfloat16) and int32 labels. Results stay on the device.
#include <cstdint>

#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

// *loss = mean over rows of -sum_c target_c log softmax_c, target = (1-s) one-hot + s/C;
// *correct (may be null) = number of rows whose first arg-max is the label. Both overwritten.
template <typename T>
void cross_entropy_forward(const T* logits, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                           float smoothing, float* loss, std::int32_t* correct, cudaStream_t stream);

// dlogits = (softmax - target) * dloss / rows.
template <typename T>
void cross_entropy_backward(const T* logits, const std::int32_t* labels, float dloss, T* dlogits, std::int64_t rows,
                            std::int64_t classes, float smoothing, cudaStream_t stream);

}  // namespace vit::cuda
