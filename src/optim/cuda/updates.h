#pragma once
// The optimizers' CUDA paths (src/optim/cuda/updates.cpp, built with VIT_CUDA=ON or SIM): the
// multi-tensor kernels of src/kernels/cuda/optimizer.h over a list of float32 device tensors, the
// same formulas as the CPU updates (kernels/cpu/optimizer.h).
#include <cstdint>
#include <vector>

#include "kernels/kernel_args.h"
#include "runtime/cuda_backend.h"
#include "vitcuda/runtime/tensor.h"

namespace vit::optim::cuda_updates {

struct DeviceParam {
  float* param;
  const float* grad;
  float* slot0;  // AdamW exp_avg, SGD momentum buffer (null without momentum)
  float* slot1;  // AdamW exp_avg_sq
  std::int64_t size;
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
// grad_scale: a device scalar every gradient is multiplied by first (null: 1); numbers: the step's
// {lr, bias_correction1, bias_correction2} in device memory, read instead of the step's own.
VIT_CUDA_FN(void adamw_update(const std::vector<DeviceParam>& params, const AdamWStep& step, const float* grad_scale,
                              const float* numbers))
VIT_CUDA_FN(void sgd_update(const std::vector<DeviceParam>& params, const SgdStep& step, const float* grad_scale,
                            const float* numbers))
// destination (f32 on cuda) = numbers, written by a kernel: nothing waits.
VIT_CUDA_FN(void store_numbers(const Tensor& destination, const std::vector<float>& numbers))
// Scales the gradients in place to a global norm of at most max_norm; returns the norm before
// (read back: waits for the device).
VIT_CUDA_FN(float clip_grad_norm(const std::vector<Tensor>& grads, float max_norm))
// min(1, max_norm / (norm + 1e-6)) as an f32 scalar on the device, for the updates' grad_scale:
// nothing is read back.
VIT_CUDA_FN(Tensor clip_scale(const std::vector<Tensor>& grads, float max_norm))
#pragma GCC diagnostic pop

}  // namespace vit::optim::cuda_updates
