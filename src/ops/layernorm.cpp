#include "vitcuda/ops/layernorm.h"

#include "ops/cpu/ops_cpu.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/dispatch.h"
#include "ops/op_checks.h"

namespace vit {

namespace {

struct LayerNormShape {
  std::int64_t rows, dim;
};

LayerNormShape check_layer_norm(const char* op, const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  detail::check_f32_or_cuda_bf16(x, op, "x");
  detail::check_f32(gamma, op, "gamma");
  detail::check_f32(beta, op, "beta");
  detail::check_same_device(op, {{"x", &x}, {"gamma", &gamma}, {"beta", &beta}});
  VIT_CHECK(x.ndim() >= 1, op, ": x must have at least one dim.");
  const std::int64_t dim = x.size(-1), rows = x.numel() / std::max<std::int64_t>(dim, 1);
  VIT_CHECK(gamma.shape() == Shape{dim} && beta.shape() == Shape{dim}, op, ": gamma ", shape_str(gamma.shape()),
            " and beta ", shape_str(beta.shape()), " must be [", dim, "] for x ", shape_str(x.shape()), ".");
  VIT_CHECK(eps > 0.0f, op, ": eps must be positive, got ", eps, ".");
  return {rows, dim};
}

// The LayerNorm's backward, from its input x and saved statistics. With `absorb_later` (the fused
// residual add, whose sum is x) the entry runs after every later use of x has added its gradient:
// the kernel adds that gradient to its own dx in the same pass, and dx replaces it as x's whole
// gradient. Otherwise dx is added to x's gradient as usual.
void record_layer_norm(Tape& tape, const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                       const Tensor& rstd, Tensor& y, bool absorb_later) {
  if (!Tape::needs_grad({&x, &gamma, &beta})) return;
  tape.record(
      "layer_norm", y,
      [x, x_grad = x.grad_slot(), gamma, beta_grad = beta.grad_slot(), mean, rstd, absorb_later](const Tensor& dy) {
        Tensor dx = detail::grad_buffer_if_needed(x);
        Tensor dgamma = detail::grad_buffer_if_needed(gamma);
        Tensor dbeta = detail::grad_buffer_if_needed(beta_grad);
        const Tensor later = absorb_later && dx.defined() ? x_grad.grad() : Tensor();
        detail::dispatch(cpu_ops::layernorm_backward, cuda_ops::layernorm_backward, x, gamma, mean, rstd, dy, later, dx,
                         dgamma, dbeta);
        if (dx.defined()) {
          if (later.defined()) x_grad.reset();  // dx holds it now
          x_grad.accumulate(std::move(dx));
        }
        if (dgamma.defined()) gamma.accumulate_grad(std::move(dgamma));
        if (dbeta.defined()) beta_grad.accumulate(std::move(dbeta));
      });
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps, Tape& tape) {
  const LayerNormShape s = check_layer_norm("layer_norm", x, gamma, beta, eps);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());  // gamma, beta, mean and rstd stay f32
  Tensor mean = Tensor::empty({s.rows}, DType::f32, x.device()), rstd = Tensor::empty({s.rows}, DType::f32, x.device());
  detail::dispatch(cpu_ops::layernorm_forward, cuda_ops::layernorm_forward, x, gamma, beta, y, mean, rstd, eps);
  record_layer_norm(tape, x, gamma, beta, mean, rstd, y, false);
  return y;
}

AddLayerNorm add_layer_norm(const Tensor& a, const Tensor& b, const Tensor& gamma, const Tensor& beta, float eps,
                            Tape& tape) {
  constexpr const char* op = "add_layer_norm";
  const LayerNormShape s = check_layer_norm(op, a, gamma, beta, eps);
  detail::check_same_device(op, {{"a", &a}, {"b", &b}});
  VIT_CHECK(b.shape() == a.shape() && b.dtype() == a.dtype(), op, ": b ", shape_str(b.shape()), " ",
            dtype_name(b.dtype()), " must match a ", shape_str(a.shape()), " ", dtype_name(a.dtype()), ".");
  AddLayerNorm out{Tensor::empty(a.shape(), a.dtype(), a.device()), Tensor::empty(a.shape(), a.dtype(), a.device())};
  Tensor mean = Tensor::empty({s.rows}, DType::f32, a.device()), rstd = Tensor::empty({s.rows}, DType::f32, a.device());
  detail::dispatch(cpu_ops::add_layernorm_forward, cuda_ops::add_layernorm_forward, a, b, gamma, beta, out.sum,
                   out.normed, mean, rstd, eps);
  // Two tape entries, as the two ops would record: the LayerNorm's, recorded second, runs first
  // and leaves the sum's whole gradient; the add's then hands it to a and b, as add does.
  if (Tape::needs_grad({&a, &b})) {
    tape.record("add", out.sum, [da = a.grad_slot(), db = b.grad_slot()](const Tensor& dsum) {
      if (da.requires_grad()) da.accumulate(dsum);
      if (db.requires_grad()) db.accumulate(dsum);
    });
  }
  record_layer_norm(tape, out.sum, gamma, beta, mean, rstd, out.normed, true);
  return out;
}

}  // namespace vit
