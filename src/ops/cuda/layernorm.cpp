// CUDA path of layer_norm and add_layer_norm (one forward kernel for both), for f32 or bf16
// activations (gamma, beta, mean and rstd stay f32); the backward kernel's scratch memory is a
// cuda tensor from the caching allocator, for the call.
#include "kernels/cuda/layernorm.h"

#include "ops/cuda/ops_cuda.h"
#include "ops/cuda/storage_type.h"
#include "ops/op_checks.h"
#include "runtime/cuda/compute_stream.h"

namespace vit::cuda_ops {

using cuda::compute_stream;

using detail::data_or_null;

void layernorm_forward(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& y, const Tensor& mean,
                       const Tensor& rstd, float eps) {
  const std::int64_t dim = x.size(-1);
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::layernorm_forward<T>(x.data<T>(), gamma.data<float>(), beta.data<float>(), y.data<T>(), mean.data<float>(),
                               rstd.data<float>(), x.numel() / dim, dim, eps, compute_stream());
  });
}

void add_layernorm_forward(const Tensor& a, const Tensor& b, const Tensor& gamma, const Tensor& beta, const Tensor& sum,
                           const Tensor& y, const Tensor& mean, const Tensor& rstd, float eps) {
  const std::int64_t dim = a.size(-1);
  with_storage_type(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::add_layernorm_forward<T>(a.data<T>(), b.data<T>(), sum.data<T>(), gamma.data<float>(), beta.data<float>(),
                                   y.data<T>(), mean.data<float>(), rstd.data<float>(), a.numel() / dim, dim, eps,
                                   compute_stream());
  });
}

void layernorm_backward(const Tensor& x, const Tensor& gamma, const Tensor& mean, const Tensor& rstd, const Tensor& dy,
                        const Tensor& residual_grad, const Tensor& dx, const Tensor& dgamma, const Tensor& dbeta) {
  const std::int64_t dim = x.size(-1), rows = x.numel() / dim;
  const Tensor workspace =
      Tensor::empty({static_cast<std::int64_t>(cuda::layernorm_backward_workspace(rows, dim))}, DType::f32, x.device());
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::add_layernorm_backward<T>(x.data<T>(), gamma.data<float>(), mean.data<float>(), rstd.data<float>(),
                                    dy.data<T>(), data_or_null<T>(residual_grad), data_or_null<T>(dx),
                                    data_or_null(dgamma), data_or_null(dbeta), rows, dim, workspace.data<float>(),
                                    compute_stream());
  });
}

}  // namespace vit::cuda_ops
