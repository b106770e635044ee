#pragma once
// CUDA optimizer kernels (optimizer.cu), the twins of src/kernels/cpu/optimizer.cpp: fused AdamW
// and SGD updates over a whole list of float32 tensors in a few multi-tensor launches, and the
// global gradient norm with its clipping factor, kept on the device so that clipping needs no
// host synchronisation. Pointers are device memory.
#include <cstdint>
#include <vector>

#include "kernels/kernel_args.h"
#include "runtime/cuda/cuda_api.h"

namespace vit::cuda {

struct AdamWTensor {
  float* param;
  const float* grad;
  float* exp_avg;
  float* exp_avg_sq;
  std::int64_t size;
};

struct SgdTensor {
  float* param;
  const float* grad;
  float* momentum_buffer;  // null when momentum is 0
  std::int64_t size;
};

// The CPU formulas (cpu::adamw_update / cpu::sgd_update) with every gradient first multiplied by
// *grad_scale (a device scalar, e.g. from grad_norm; null: 1), and the learning rate and bias
// corrections from *scalars (device memory; null: the step's own).
void adamw_update(const std::vector<AdamWTensor>& tensors, const AdamWStep& step, const float* grad_scale,
                  const StepScalars* scalars, cudaStream_t stream);
void sgd_update(const std::vector<SgdTensor>& tensors, const SgdStep& step, const float* grad_scale,
                const StepScalars* scalars, cudaStream_t stream);

struct GradTensor {
  const float* grad;
  std::int64_t size;
};

// *norm = sqrt(sum of squares of every gradient); *clip_scale = min(1, max_norm / (norm + 1e-6))
// as torch.nn.utils.clip_grad_norm_ (1 when max_norm <= 0; clip_scale may be null). The same bits
// every run: no float atomics.
void grad_norm(const std::vector<GradTensor>& grads, float max_norm, float* norm, float* clip_scale,
               cudaStream_t stream);

}  // namespace vit::cuda
