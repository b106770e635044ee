#include "vitcuda/ops/elementwise.h"

#include "ops/cpu/ops_cpu.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/dispatch.h"
#include "ops/op_checks.h"

namespace vit {

Tensor add(const Tensor& a, const Tensor& b, Tape& tape) {
  constexpr const char* op = "add";
  detail::check_f32_or_cuda_bf16(a, op, "a");
  detail::check_f32_or_cuda_bf16(b, op, "b");
  const Device device = detail::check_same_device(op, {{"a", &a}, {"b", &b}});
  Shape broadcast_shape = a.shape();
  if (!broadcast_shape.empty()) broadcast_shape[0] = 1;
  const bool broadcast = b.shape() != a.shape();
  VIT_CHECK(!broadcast || b.shape() == broadcast_shape, "add: b ", shape_str(b.shape()),
            " must be ", shape_str(a.shape()), " or ", shape_str(broadcast_shape), ".");
  // bf16 autocast adds an f32 parameter (pos_embed) to bf16 activations: b is broadcast then.
  VIT_CHECK(b.dtype() == a.dtype() || (broadcast && b.dtype() == DType::f32), "add: b is ",
            dtype_name(b.dtype()), " but a is ", dtype_name(a.dtype()),
            "; only a broadcast f32 b may meet bf16 activations.");
  Tensor out = Tensor::empty(a.shape(), a.dtype(), device);
  detail::dispatch(cpu_ops::add_forward, cuda_ops::add_forward, a, detail::as_dtype(b, a.dtype()), out);
  if (Tape::needs_grad({&a, &b})) {
    tape.record(op, out, [da = a.grad_slot(), db = b.grad_slot(), broadcast](const Tensor& dout) {
      if (da.requires_grad()) da.accumulate(dout);
      if (!db.requires_grad()) return;
      if (!broadcast) {
        db.accumulate(dout);
        return;
      }
      // The broadcast sum is f32 whatever dout's dtype (the kernel accumulates in f32).
      Tensor summed = Tensor::empty(db.shape(), DType::f32, db.device());
      detail::dispatch(cpu_ops::add_backward_broadcast, cuda_ops::add_backward_broadcast, dout, summed);
      db.accumulate(detail::as_dtype(summed, db.dtype()));
    });
  }
  return out;
}

Tensor gelu(const Tensor& x, Tape& tape) {
  detail::check_f32_or_cuda_bf16(x, "gelu", "x");
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  detail::dispatch(cpu_ops::gelu_forward, cuda_ops::gelu_forward, x, y);
  if (Tape::needs_grad({&x})) {
    tape.record("gelu", y, [x](const Tensor& dy) {
      Tensor dx = Tensor::empty(x.shape(), x.dtype(), x.device());
      detail::dispatch(cpu_ops::gelu_backward, cuda_ops::gelu_backward, x, dy, dx);
      x.accumulate_grad(std::move(dx));
    });
  }
  return y;
}

Tensor tanh(const Tensor& x, Tape& tape) {
  detail::check_f32_or_cuda_bf16(x, "tanh", "x");
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  detail::dispatch(cpu_ops::tanh_forward, cuda_ops::tanh_forward, x, y);
  if (Tape::needs_grad({&x})) {
    tape.record("tanh", y, [x_grad = x.grad_slot(), y](const Tensor& dy) {
      Tensor dx = Tensor::empty(y.shape(), y.dtype(), y.device());
      detail::dispatch(cpu_ops::tanh_backward, cuda_ops::tanh_backward, y, dy, dx);
      x_grad.accumulate(std::move(dx));
    });
  }
  return y;
}

}  // namespace vit
