#include "vitcuda/ops/reduce.h"

#include "kernels/cpu/reduce.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/op_checks.h"

namespace vit {

Tensor mean(const Tensor& x, Tape& tape) {
  detail::check_f32(x, "mean", "x");
  VIT_CHECK(x.numel() > 0, "mean: x ", shape_str(x.shape()), " has no elements.");
  Tensor out;
  if (x.device().is_cuda()) {
    out = Tensor::empty({}, DType::f32, x.device());
    cuda_ops::mean_forward(x, out);
  } else {
    out = Tensor::full({}, cpu::mean_forward(x.data<float>(), x.numel()));
  }
  if (Tape::needs_grad({&x})) {
    tape.record("mean", out, [x_grad = x.grad_slot()](const Tensor& dout) {
      Tensor dx = detail::grad_buffer_if_needed(x_grad);
      if (dx.device().is_cuda()) {
        cuda_ops::mean_backward(dout, dx);
      } else {
        cpu::mean_backward(dout.item(), dx.data<float>(), dx.numel());
      }
      x_grad.accumulate(std::move(dx));
    });
  }
  return out;
}

}  // namespace vit
