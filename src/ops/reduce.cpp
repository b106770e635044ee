#include "vitcuda/ops/reduce.h"

#include "ops/cpu/ops_cpu.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/dispatch.h"
#include "ops/op_checks.h"

namespace vit {

Tensor mean(const Tensor& x, Tape& tape) {
  detail::check_f32(x, "mean", "x");
  VIT_CHECK(x.numel() > 0, "mean: x ", shape_str(x.shape()), " has no elements.");
  Tensor out = Tensor::empty({}, DType::f32, x.device());
  detail::dispatch(cpu_ops::mean_forward, cuda_ops::mean_forward, x, out);
  if (Tape::needs_grad({&x})) {
    tape.record("mean", out, [x_grad = x.grad_slot()](const Tensor& dout) {
      Tensor dx = detail::grad_buffer_if_needed(x_grad);
      detail::dispatch(cpu_ops::mean_backward, cuda_ops::mean_backward, dout, dx);
      x_grad.accumulate(std::move(dx));
    });
  }
  return out;
}

}  // namespace vit
