#include "vitcuda/ops/linear.h"

#include "ops/cpu/ops_cpu.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/dispatch.h"
#include "ops/op_checks.h"

namespace vit {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Tape& tape) {
  constexpr const char* op = "linear";
  detail::check_f32_or_cuda_bf16(x, op, "x");
  detail::check_f32(weight, op, "weight");
  detail::check_rank(weight, 2, op, "weight");
  VIT_CHECK(x.ndim() >= 1 && x.size(-1) == weight.size(1), "linear: x ", shape_str(x.shape()),
            " does not end in the weight's input size ", weight.size(1), ".");
  const std::int64_t out_features = weight.size(0), in_features = weight.size(1);
  if (bias.defined()) {
    detail::check_f32(bias, op, "bias");
    VIT_CHECK(bias.shape() == Shape{out_features}, "linear: bias ", shape_str(bias.shape()),
              " must be [", out_features, "].");
  }
  const Device device = detail::check_same_device(op, {{"x", &x}, {"weight", &weight}, {"bias", &bias}});
  const std::int64_t rows = x.numel() / in_features;
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  Tensor y = Tensor::empty(out_shape, x.dtype(), device);
  // bf16 autocast: the product runs on a bf16 copy of the f32 weight (kept for the backward);
  // the bias and the weight's and bias's gradients stay f32.
  const Tensor w = detail::as_dtype(weight, x.dtype());
  detail::dispatch(cpu_ops::linear_forward, cuda_ops::linear_forward, x, w, bias, y, rows, in_features, out_features);

  if (Tape::needs_grad({&x, &weight, &bias})) {
    tape.record(op, y, [x, weight, w, bias_grad = bias.defined() ? bias.grad_slot() : GradSlot(), rows,
                        in_features, out_features](const Tensor& dy) {
      Tensor dx = detail::grad_buffer_if_needed(x);
      Tensor dw = detail::grad_buffer_if_needed(weight);
      Tensor db = detail::grad_buffer_if_needed(bias_grad);
      detail::dispatch(cpu_ops::linear_backward, cuda_ops::linear_backward, x, w, dy, dx, dw, db, rows, in_features,
                       out_features);
      if (dx.defined()) x.accumulate_grad(std::move(dx));
      if (dw.defined()) weight.accumulate_grad(std::move(dw));
      if (db.defined()) bias_grad.accumulate(std::move(db));
    });
  }
  return y;
}

}  // namespace vit
