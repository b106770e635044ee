#include "optim/cuda/updates.h"

#include "kernels/cuda/optimizer.h"
#include "kernels/cuda/reduce.h"
#include "runtime/cuda/compute_stream.h"

namespace vit::optim::cuda_updates {

using cuda::compute_stream;

void adamw_update(const std::vector<DeviceParam>& params, const AdamWStep& step) {
  std::vector<cuda::AdamWTensor> tensors;
  for (const DeviceParam& p : params) tensors.push_back({p.param, p.grad, p.slot0, p.slot1, p.size});
  cuda::adamw_update(tensors, step, nullptr, compute_stream());
}

void sgd_update(const std::vector<DeviceParam>& params, const SgdStep& step) {
  std::vector<cuda::SgdTensor> tensors;
  for (const DeviceParam& p : params) tensors.push_back({p.param, p.grad, p.slot0, p.size});
  cuda::sgd_update(tensors, step, nullptr, compute_stream());
}

float clip_grad_norm(const std::vector<Tensor>& grads, float max_norm) {
  if (grads.empty()) return 0.0f;
  std::vector<cuda::GradTensor> list;
  for (const Tensor& g : grads) list.push_back({g.data<float>(), g.numel()});
  // norm and clip factor, on the device.
  const Tensor scalars = Tensor::empty({2}, DType::f32, grads.front().device());
  float* norm = scalars.data<float>();
  cuda::grad_norm(list, max_norm, norm, norm + 1, compute_stream());
  const float host_norm = scalars.slice(0, 1).item();
  if (max_norm / (host_norm + 1e-6f) < 1.0f) {
    for (const Tensor& g : grads) cuda::scale_in_place(g.data<float>(), g.numel(), norm + 1, compute_stream());
  }
  return host_norm;
}

}  // namespace vit::optim::cuda_updates
