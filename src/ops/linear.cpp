#include "vitcuda/ops/linear.h"

#include "ops/cpu/ops_cpu.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/dispatch.h"
#include "ops/op_checks.h"

namespace vit {

namespace {

struct LinearSizes {
  std::int64_t rows, in, out;
  Shape out_shape;
  Device device;
};

LinearSizes check_linear(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias) {
  detail::check_f32_or_cuda_bf16(x, op, "x");
  detail::check_f32(weight, op, "weight");
  detail::check_rank(weight, 2, op, "weight");
  VIT_CHECK(x.ndim() >= 1 && x.size(-1) == weight.size(1), op, ": x ", shape_str(x.shape()),
            " does not end in the weight's input size ", weight.size(1), ".");
  const std::int64_t out = weight.size(0), in = weight.size(1);
  if (bias.defined()) {
    detail::check_f32(bias, op, "bias");
    VIT_CHECK(bias.shape() == Shape{out}, op, ": bias ", shape_str(bias.shape()), " must be [", out, "].");
  }
  const Device device = detail::check_same_device(op, {{"x", &x}, {"weight", &weight}, {"bias", &bias}});
  Shape out_shape = x.shape();
  out_shape.back() = out;
  return {x.numel() / in, in, out, out_shape, device};
}

// Records a linear-shaped op's backward: `gradients(dy, dx, dw, db)` fills the gradient buffers it
// is handed (undefined ones are not wanted), which are then added to x's, the weight's and the
// bias's gradients.
template <typename Gradients>
void record_linear(Tape& tape, const char* op, Tensor& y, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   Gradients gradients) {
  if (!Tape::needs_grad({&x, &weight, &bias})) return;
  tape.record(op, y,
              [x_grad = x.grad_slot(), weight, bias_grad = bias.defined() ? bias.grad_slot() : GradSlot(),
               gradients](const Tensor& dy) {
                Tensor dx = detail::grad_buffer_if_needed(x_grad);
                Tensor dw = detail::grad_buffer_if_needed(weight);
                Tensor db = detail::grad_buffer_if_needed(bias_grad);
                gradients(dy, dx, dw, db);
                if (dx.defined()) x_grad.accumulate(std::move(dx));
                if (dw.defined()) weight.accumulate_grad(std::move(dw));
                if (db.defined()) bias_grad.accumulate(std::move(db));
              });
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Tape& tape) {
  const LinearSizes s = check_linear("linear", x, weight, bias);
  Tensor y = Tensor::empty(s.out_shape, x.dtype(), s.device);
  // bf16 autocast: the product runs on a bf16 copy of the f32 weight (kept for the backward);
  // the bias and the weight's and bias's gradients stay f32.
  const Tensor w = detail::as_dtype(weight, x.dtype());
  detail::dispatch(cpu_ops::linear_forward, cuda_ops::linear_forward, x, w, bias, y, s.rows, s.in, s.out);

  record_linear(tape, "linear", y, x, weight, bias,
                [x, w, s](const Tensor& dy, const Tensor& dx, const Tensor& dw, const Tensor& db) {
                  detail::dispatch(cpu_ops::linear_backward, cuda_ops::linear_backward, x, w, dy, dx, dw, db, s.rows,
                                   s.in, s.out);
                });
  return y;
}

Tensor linear_gelu(const Tensor& x, const Tensor& weight, const Tensor& bias, Tape& tape) {
  const LinearSizes s = check_linear("linear_gelu", x, weight, bias);
  Tensor pre = Tensor::empty(s.out_shape, x.dtype(), s.device);  // x W^T + b, for the backward
  Tensor y = Tensor::empty(s.out_shape, x.dtype(), s.device);
  const Tensor w = detail::as_dtype(weight, x.dtype());  // as in linear
  detail::dispatch(cpu_ops::linear_gelu_forward, cuda_ops::linear_gelu_forward, x, w, bias, pre, y, s.rows, s.in,
                   s.out);

  record_linear(tape, "linear_gelu", y, x, weight, bias,
                [x, w, pre, s](const Tensor& dy, const Tensor& dx, const Tensor& dw, const Tensor& db) {
                  detail::dispatch(cpu_ops::linear_gelu_backward, cuda_ops::linear_gelu_backward, x, w, pre, dy, dx, dw,
                                   db, s.rows, s.in, s.out);
                });
  return y;
}

}  // namespace vit
