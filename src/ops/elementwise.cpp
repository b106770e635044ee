#include "vitcuda/ops/elementwise.h"

#include "kernels/cpu/elementwise.h"
#include "ops/op_checks.h"

namespace vit {

Tensor add(const Tensor& a, const Tensor& b, Tape& tape) {
  constexpr const char* op = "add";
  detail::check_cpu_f32(a, op, "a");
  detail::check_cpu_f32(b, op, "b");
  Shape broadcast_shape = a.shape();
  if (!broadcast_shape.empty()) broadcast_shape[0] = 1;
  const bool broadcast = b.shape() != a.shape();
  VIT_CHECK(!broadcast || b.shape() == broadcast_shape, "add: b ", shape_str(b.shape()),
            " must be ", shape_str(a.shape()), " or ", shape_str(broadcast_shape), ".");
  Tensor out = Tensor::empty(a.shape());
  const std::int64_t n = a.numel(), b_count = b.numel();
  cpu::add_forward(a.data<float>(), b.data<float>(), out.data<float>(), n, b_count);
  if (Tape::needs_grad({&a, &b})) {
    tape.record(op, out, [a, b, broadcast, n, b_count](const Tensor& dout) {
      if (a.requires_grad()) a.accumulate_grad(dout);
      if (!b.requires_grad()) return;
      if (!broadcast) {
        b.accumulate_grad(dout);
        return;
      }
      Tensor db = Tensor::empty(b.shape());
      cpu::add_backward_broadcast(dout.data<float>(), db.data<float>(), n, b_count);
      b.accumulate_grad(std::move(db));
    });
  }
  return out;
}

Tensor gelu(const Tensor& x, Tape& tape) {
  detail::check_cpu_f32(x, "gelu", "x");
  Tensor y = Tensor::empty(x.shape());
  cpu::gelu_forward(x.data<float>(), y.data<float>(), x.numel());
  if (Tape::needs_grad({&x})) {
    tape.record("gelu", y, [x](const Tensor& dy) {
      Tensor dx = Tensor::empty(x.shape());
      cpu::gelu_backward(x.data<float>(), dy.data<float>(), dx.data<float>(), x.numel());
      x.accumulate_grad(std::move(dx));
    });
  }
  return y;
}

Tensor tanh(const Tensor& x, Tape& tape) {
  detail::check_cpu_f32(x, "tanh", "x");
  Tensor y = Tensor::empty(x.shape());
  cpu::tanh_forward(x.data<float>(), y.data<float>(), x.numel());
  if (Tape::needs_grad({&x})) {
    tape.record("tanh", y, [x, y](const Tensor& dy) {
      Tensor dx = Tensor::empty(x.shape());
      cpu::tanh_backward(y.data<float>(), dy.data<float>(), dx.data<float>(), x.numel());
      x.accumulate_grad(std::move(dx));
    });
  }
  return y;
}

}  // namespace vit
