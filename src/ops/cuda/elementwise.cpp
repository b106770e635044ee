// CUDA paths of add, gelu, tanh, dropout and drop_path. GELU runs the fused bias+GELU kernel
// without a bias, over the tensor as [numel / last dim, last dim].
#include "kernels/cuda/elementwise.h"

#include "kernels/cuda/dropout.h"
#include "ops/cuda/compute_stream.h"
#include "ops/cuda/ops_cuda.h"

namespace vit::cuda_ops {

namespace {

std::int64_t last_dim(const Tensor& t) { return t.ndim() > 0 ? std::max<std::int64_t>(t.size(-1), 1) : 1; }

}  // namespace

void add_forward(const Tensor& a, const Tensor& b, const Tensor& out) {
  cuda::add_forward<float>(a.data<float>(), b.data<float>(), out.data<float>(), a.numel(), b.numel(),
                           compute_stream());
}

void add_backward_broadcast(const Tensor& dout, const Tensor& db) {
  cuda::add_backward_broadcast<float>(dout.data<float>(), db.data<float>(), dout.numel(), db.numel(),
                                      compute_stream());
}

void gelu_forward(const Tensor& x, const Tensor& y) {
  const std::int64_t cols = last_dim(x);
  cuda::bias_gelu_forward<float>(x.data<float>(), nullptr, y.data<float>(), x.numel() / cols, cols,
                                 compute_stream());
}

void gelu_backward(const Tensor& x, const Tensor& dy, const Tensor& dx) {
  const std::int64_t cols = last_dim(x);
  cuda::bias_gelu_backward<float>(x.data<float>(), nullptr, dy.data<float>(), dx.data<float>(), nullptr,
                                  x.numel() / cols, cols, compute_stream());
}

void tanh_forward(const Tensor& x, const Tensor& y) {
  cuda::tanh_forward<float>(x.data<float>(), y.data<float>(), x.numel(), compute_stream());
}

void tanh_backward(const Tensor& y, const Tensor& dy, const Tensor& dx) {
  cuda::tanh_backward<float>(y.data<float>(), dy.data<float>(), dx.data<float>(), y.numel(), compute_stream());
}

void dropout_forward(const Tensor& x, const Tensor& y, float p, std::uint64_t seed) {
  cuda::dropout_forward<float>(x.data<float>(), y.data<float>(), x.numel(), p, seed, compute_stream());
}

void dropout_backward(const Tensor& dy, const Tensor& dx, float p, std::uint64_t seed) {
  cuda::dropout_backward<float>(dy.data<float>(), dx.data<float>(), dy.numel(), p, seed, compute_stream());
}

void drop_path_forward(const Tensor& x, const Tensor& y, float p, std::uint64_t seed) {
  const std::int64_t rows = x.size(0), row_size = x.numel() / std::max<std::int64_t>(rows, 1);
  cuda::drop_path_forward<float>(x.data<float>(), y.data<float>(), rows, row_size, p, seed, compute_stream());
}

}  // namespace vit::cuda_ops
