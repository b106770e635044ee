#include "optim/cuda/updates.h"

#include <bit>

#include "kernels/cuda/optimizer.h"
#include "kernels/cuda/reduce.h"
#include "runtime/cuda/compute_stream.h"
#include "runtime/cuda/device_tensor.h"

namespace vit::optim::cuda_updates {

using cuda::compute_stream;

namespace {

static_assert(sizeof(StepScalars) == 3 * sizeof(float), "a group's numbers are three floats");
const StepScalars* as_scalars(const float* numbers) { return reinterpret_cast<const StepScalars*>(numbers); }

}  // namespace

void adamw_update(const std::vector<DeviceParam>& params, const AdamWStep& step, const float* grad_scale,
                  const float* numbers) {
  std::vector<cuda::AdamWTensor> tensors;
  for (const DeviceParam& p : params) tensors.push_back({p.param, p.grad, p.slot0, p.slot1, p.size});
  cuda::adamw_update(tensors, step, grad_scale, as_scalars(numbers), compute_stream());
}

void sgd_update(const std::vector<DeviceParam>& params, const SgdStep& step, const float* grad_scale,
                const float* numbers) {
  std::vector<cuda::SgdTensor> tensors;
  for (const DeviceParam& p : params) tensors.push_back({p.param, p.grad, p.slot0, p.size});
  cuda::sgd_update(tensors, step, grad_scale, as_scalars(numbers), compute_stream());
}

void store_numbers(const Tensor& destination, const std::vector<float>& numbers) {
  VIT_CHECK(destination.numel() == static_cast<std::int64_t>(numbers.size()), "store_numbers: ", numbers.size(),
            " numbers for ", destination.numel(), " elements.");
  std::vector<std::uint32_t> words;
  for (const float number : numbers) words.push_back(std::bit_cast<std::uint32_t>(number));
  cuda::store_words(destination.data<float>(), words.data(), static_cast<int>(words.size()));
}

namespace {

// [norm, clip factor] as an f32 [2] device tensor.
Tensor norm_and_factor(const std::vector<Tensor>& grads, float max_norm) {
  std::vector<cuda::GradTensor> list;
  for (const Tensor& g : grads) list.push_back({g.data<float>(), g.numel()});
  Tensor scalars = Tensor::empty({2}, DType::f32, grads.front().device());
  float* norm = scalars.data<float>();
  cuda::grad_norm(list, max_norm, norm, norm + 1, compute_stream());
  return scalars;
}

}  // namespace

Tensor clip_scale(const std::vector<Tensor>& grads, float max_norm) {
  return norm_and_factor(grads, max_norm).slice(1, 2);
}

float clip_grad_norm(const std::vector<Tensor>& grads, float max_norm) {
  if (grads.empty()) return 0.0f;
  const Tensor scalars = norm_and_factor(grads, max_norm);
  const float* norm = scalars.data<float>();
  const float host_norm = scalars.slice(0, 1).item();
  if (max_norm / (host_norm + 1e-6f) < 1.0f) {
    for (const Tensor& g : grads) cuda::scale_in_place(g.data<float>(), g.numel(), norm + 1, compute_stream());
  }
  return host_norm;
}

}  // namespace vit::optim::cuda_updates
