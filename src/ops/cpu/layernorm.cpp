// CPU path of layer_norm and add_layer_norm (the add, then the LayerNorm).
#include "kernels/cpu/layernorm.h"

#include <algorithm>

#include "ops/cpu/ops_cpu.h"
#include "ops/op_checks.h"

namespace vit::cpu_ops {

using detail::data_or_null;

void layernorm_forward(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& y, const Tensor& mean,
                       const Tensor& rstd, float eps) {
  const std::int64_t dim = x.size(-1), rows = x.numel() / std::max<std::int64_t>(dim, 1);
  cpu::layernorm_forward(x.data<float>(), gamma.data<float>(), beta.data<float>(), y.data<float>(), mean.data<float>(),
                         rstd.data<float>(), rows, dim, eps);
}

void add_layernorm_forward(const Tensor& a, const Tensor& b, const Tensor& gamma, const Tensor& beta, const Tensor& sum,
                           const Tensor& y, const Tensor& mean, const Tensor& rstd, float eps) {
  add_forward(a, b, sum);
  layernorm_forward(sum, gamma, beta, y, mean, rstd, eps);
}

void layernorm_backward(const Tensor& x, const Tensor& gamma, const Tensor& mean, const Tensor& rstd, const Tensor& dy,
                        const Tensor& residual_grad, const Tensor& dx, const Tensor& dgamma, const Tensor& dbeta) {
  const std::int64_t dim = x.size(-1), rows = x.numel() / std::max<std::int64_t>(dim, 1);
  cpu::layernorm_backward(x.data<float>(), gamma.data<float>(), mean.data<float>(), rstd.data<float>(),
                          dy.data<float>(), data_or_null(dx), data_or_null(dgamma), data_or_null(dbeta), rows, dim);
  if (dx.defined() && residual_grad.defined()) add_forward(dx, residual_grad, dx);
}

}  // namespace vit::cpu_ops
