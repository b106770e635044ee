#include "op_compare.h"

#include "kernel_check.h"

namespace vit::cuda::testing {

namespace {

bool is_floating(const Tensor& t) { return t.dtype() == DType::f32 || t.dtype() == DType::bf16; }

}  // namespace

OpResult run_op(const OpFn& op, const std::vector<Tensor>& inputs, std::uint64_t grad_salt, Device device) {
  std::vector<Tensor> placed;
  for (const Tensor& input : inputs) {
    Tensor t = device.is_cpu() ? input.clone() : input.to(device);  // fresh leaves on either device
    if (is_floating(t)) t.set_requires_grad();
    placed.push_back(t);
  }
  Tape tape;
  const Tensor output = op(placed, tape);
  OpResult result;
  result.output = output.to_vector();
  tape.backward(output, random_tensor(output.shape(), grad_salt).to(output.dtype()).to(device));
  for (const Tensor& t : placed) {
    result.grads.push_back(is_floating(t) && t.grad().defined() ? t.grad().to_vector() : std::vector<float>{});
  }
  return result;
}

Tensor random_tensor(const Shape& shape, std::uint64_t salt, float stddev) {
  return Tensor::from_vector(random_normal(static_cast<std::size_t>(shape_numel(shape)), salt, stddev), shape);
}

}  // namespace vit::cuda::testing
