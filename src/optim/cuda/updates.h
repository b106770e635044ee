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
VIT_CUDA_FN(void adamw_update(const std::vector<DeviceParam>& params, const AdamWStep& step))
VIT_CUDA_FN(void sgd_update(const std::vector<DeviceParam>& params, const SgdStep& step))
// Scales the gradients in place to a global norm of at most max_norm; returns the norm before.
VIT_CUDA_FN(float clip_grad_norm(const std::vector<Tensor>& grads, float max_norm))
#pragma GCC diagnostic pop

}  // namespace vit::optim::cuda_updates
