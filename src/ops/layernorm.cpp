#include "vitcuda/ops/layernorm.h"

#include "ops/cpu/ops_cpu.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/dispatch.h"
#include "ops/op_checks.h"

namespace vit {

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps, Tape& tape) {
  constexpr const char* op = "layer_norm";
  detail::check_f32_or_cuda_bf16(x, op, "x");
  detail::check_f32(gamma, op, "gamma");
  detail::check_f32(beta, op, "beta");
  const Device device = detail::check_same_device(op, {{"x", &x}, {"gamma", &gamma}, {"beta", &beta}});
  VIT_CHECK(x.ndim() >= 1, "layer_norm: x must have at least one dim.");
  const std::int64_t dim = x.size(-1), rows = x.numel() / std::max<std::int64_t>(dim, 1);
  VIT_CHECK(gamma.shape() == Shape{dim} && beta.shape() == Shape{dim}, "layer_norm: gamma ",
            shape_str(gamma.shape()), " and beta ", shape_str(beta.shape()), " must be [", dim,
            "] for x ", shape_str(x.shape()), ".");
  VIT_CHECK(eps > 0.0f, "layer_norm: eps must be positive, got ", eps, ".");
  Tensor y = Tensor::empty(x.shape(), x.dtype(), device);  // gamma, beta, mean and rstd stay f32
  Tensor mean = Tensor::empty({rows}, DType::f32, device), rstd = Tensor::empty({rows}, DType::f32, device);
  detail::dispatch(cpu_ops::layernorm_forward, cuda_ops::layernorm_forward, x, gamma, beta, y, mean, rstd, eps);
  if (Tape::needs_grad({&x, &gamma, &beta})) {
    tape.record(op, y, [x, gamma, beta_grad = beta.grad_slot(), mean, rstd, rows, dim](const Tensor& dy) {
      Tensor dx = detail::grad_buffer_if_needed(x);
      Tensor dgamma = detail::grad_buffer_if_needed(gamma);
      Tensor dbeta = detail::grad_buffer_if_needed(beta_grad);
      detail::dispatch(cpu_ops::layernorm_backward, cuda_ops::layernorm_backward, x, gamma, mean, rstd, dy, dx,
                       dgamma, dbeta);
      if (dx.defined()) x.accumulate_grad(std::move(dx));
      if (dgamma.defined()) gamma.accumulate_grad(std::move(dgamma));
      if (dbeta.defined()) beta_grad.accumulate(std::move(dbeta));
    });
  }
  return y;
}

}  // namespace vit
