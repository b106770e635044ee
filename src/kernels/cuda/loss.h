#pragma once
// CUDA softmax cross-entropy with label smoothing (loss.cu), the twin of cpu/loss.cpp, over
// logits [rows, classes] (float or bfloat16) and int32 labels. Results stay on the device.
#include <cstdint>

#include "runtime/cuda/cuda_api.h"
#include "runtime/cuda/device_fault.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

// *loss = mean over rows of -sum_c target_c log softmax_c, target = (1-s) one-hot + s/C;
// *correct (may be null) = number of rows whose first arg-max is the label. Both overwritten. A
// label outside [0, classes) is reported in `fault` (device_fault.h) and makes the loss NaN.
template <typename T>
void cross_entropy_forward(const T* logits, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                           float smoothing, float* loss, std::int32_t* correct, DeviceFault* fault,
                           cudaStream_t stream);

// dlogits = (softmax - target) * *dloss / rows; dloss is a device scalar (no host read).
template <typename T>
void cross_entropy_backward(const T* logits, const std::int32_t* labels, const float* dloss, T* dlogits,
                            std::int64_t rows, std::int64_t classes, float smoothing, cudaStream_t stream);

// The twin of cpu::count_predictions (one block per row; integer atomics, exact in any order):
// counts = {top1, top5, confusion[label * classes + first arg-max]...}, added to.
template <typename T>
void count_predictions(const T* logits, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                       std::int32_t* counts, cudaStream_t stream);

// The twin of cpu::tally_batch: *loss_sum += *loss * rows, *correct_sum += *correct (one thread,
// so the sums have the bits of a host loop over the batches).
void tally_batch(const float* loss, const std::int32_t* correct, std::int64_t rows, double* loss_sum,
                 std::int64_t* correct_sum, cudaStream_t stream);

}  // namespace vit::cuda
