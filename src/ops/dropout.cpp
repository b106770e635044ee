#include "vitcuda/ops/dropout.h"

#include "ops/cpu/ops_cpu.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/dispatch.h"
#include "ops/op_checks.h"

namespace vit {

namespace {

void check_probability(float p, const char* op) {
  VIT_CHECK(p >= 0.0f && p < 1.0f, op, ": drop probability must be in [0, 1), got ", p, ".");
}

void check_seed(const Seed& seed, const Tensor& x, const char* op) {
  VIT_CHECK(!seed.base.defined() ||
                (seed.base.dtype() == DType::i32 && seed.base.numel() == 2 && seed.base.device() == x.device()),
            op, ": a seed tensor is i32 [2] on the input's device (seed_tensor).");
}

}  // namespace

Tensor seed_tensor(Device device) { return Tensor::zeros({2}, DType::i32, device); }

void write_seed(const Tensor& base, std::uint64_t value) {
  VIT_CHECK(base.dtype() == DType::i32 && base.numel() == 2, "write_seed: a seed tensor is i32 [2] (seed_tensor).");
  detail::dispatch(cpu_ops::write_seed, cuda_ops::write_seed, base, value);
}

Tensor dropout(const Tensor& x, float p, const Seed& seed, Tape& tape) {
  detail::check_f32_or_cuda_bf16(x, "dropout", "x");
  check_probability(p, "dropout");
  check_seed(seed, x, "dropout");
  if (p == 0.0f) return x;
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  detail::dispatch(cpu_ops::dropout_forward, cuda_ops::dropout_forward, x, y, p, seed);
  if (Tape::needs_grad({&x})) {
    tape.record("dropout", y, [x_grad = x.grad_slot(), p, seed](const Tensor& dy) {
      Tensor dx = Tensor::empty(dy.shape(), dy.dtype(), dy.device());
      detail::dispatch(cpu_ops::dropout_backward, cuda_ops::dropout_backward, dy, dx, p, seed);
      x_grad.accumulate(std::move(dx));
    });
  }
  return y;
}

Tensor drop_path(const Tensor& x, float p, const Seed& seed, Tape& tape) {
  detail::check_f32_or_cuda_bf16(x, "drop_path", "x");
  check_probability(p, "drop_path");
  check_seed(seed, x, "drop_path");
  VIT_CHECK(x.ndim() >= 1, "drop_path: x must have a batch dim.");
  if (p == 0.0f) return x;
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  // The backward is the forward applied to dy (the same per-sample mask and scale).
  const auto apply = [p, seed](const Tensor& in, const Tensor& out) {
    detail::dispatch(cpu_ops::drop_path_forward, cuda_ops::drop_path_forward, in, out, p, seed);
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
