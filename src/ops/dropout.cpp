#include "vitcuda/ops/dropout.h"

#include "kernels/cpu/dropout.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/op_checks.h"

namespace vit {

namespace {

void check_probability(float p, const char* op) {
  VIT_CHECK(p >= 0.0f && p < 1.0f, op, ": drop probability must be in [0, 1), got ", p, ".");
}

}  // namespace

Tensor dropout(const Tensor& x, float p, std::uint64_t seed, Tape& tape) {
  detail::check_f32_or_cuda_bf16(x, "dropout", "x");
  check_probability(p, "dropout");
  if (p == 0.0f) return x;
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  if (x.device().is_cuda()) {
    cuda_ops::dropout_forward(x, y, p, seed);
  } else {
    cpu::dropout_forward(x.data<float>(), y.data<float>(), x.numel(), p, seed);
  }
  if (Tape::needs_grad({&x})) {
    tape.record("dropout", y, [x_grad = x.grad_slot(), p, seed](const Tensor& dy) {
      Tensor dx = Tensor::empty(dy.shape(), dy.dtype(), dy.device());
      if (dy.device().is_cuda()) {
        cuda_ops::dropout_backward(dy, dx, p, seed);
      } else {
        cpu::dropout_backward(dy.data<float>(), dx.data<float>(), dy.numel(), p, seed);
      }
      x_grad.accumulate(std::move(dx));
    });
  }
  return y;
}

Tensor drop_path(const Tensor& x, float p, std::uint64_t seed, Tape& tape) {
  detail::check_f32_or_cuda_bf16(x, "drop_path", "x");
  check_probability(p, "drop_path");
  VIT_CHECK(x.ndim() >= 1, "drop_path: x must have a batch dim.");
  if (p == 0.0f) return x;
  const std::int64_t rows = x.size(0), row_size = x.numel() / std::max<std::int64_t>(rows, 1);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  // The backward is the forward applied to dy (the same per-sample mask and scale).
  const auto apply = [p, seed, rows, row_size](const Tensor& in, const Tensor& out) {
    if (in.device().is_cuda()) {
      cuda_ops::drop_path_forward(in, out, p, seed);
    } else {
      cpu::drop_path_forward(in.data<float>(), out.data<float>(), rows, row_size, p, seed);
    }
  };
  apply(x, y);
  if (Tape::needs_grad({&x})) {
    tape.record("drop_path", y, [x_grad = x.grad_slot(), apply](const Tensor& dy) {
      Tensor dx = Tensor::empty(dy.shape(), dy.dtype(), dy.device());
      apply(dy, dx);
      x_grad.accumulate(std::move(dx));
    });
  }
  return y;
}

}  // namespace vit
