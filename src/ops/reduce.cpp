#include "vitcuda/ops/reduce.h"

#include "kernels/cpu/reduce.h"
#include "ops/op_checks.h"

namespace vit {

Tensor mean(const Tensor& x, Tape& tape) {
  detail::check_cpu_f32(x, "mean", "x");
  VIT_CHECK(x.numel() > 0, "mean: x ", shape_str(x.shape()), " has no elements.");
  Tensor out = Tensor::full({}, cpu::mean_forward(x.data<float>(), x.numel()));
  if (Tape::needs_grad({&x})) {
    tape.record("mean", out, [x](const Tensor& dout) {
      Tensor dx = Tensor::empty(x.shape());
      cpu::mean_backward(dout.item(), dx.data<float>(), x.numel());
      x.accumulate_grad(std::move(dx));
    });
  }
  return out;
}

}  // namespace vit
