// CUDA paths of add, gelu and tanh, for f32 or bf16 tensors (the dtype of the first argument picks
// the kernel). GELU runs the fused bias+GELU kernel without a bias, over the tensor as
// [numel / last dim, last dim].
#include "kernels/cuda/elementwise.h"

#include <algorithm>

#include "ops/cuda/ops_cuda.h"
#include "ops/cuda/storage_type.h"
#include "runtime/cuda/compute_stream.h"

namespace vit::cuda_ops {

using cuda::compute_stream;

namespace {

std::int64_t last_dim(const Tensor& t) { return t.ndim() > 0 ? std::max<std::int64_t>(t.size(-1), 1) : 1; }

}  // namespace

void add_forward(const Tensor& a, const Tensor& b, const Tensor& out) {
  with_storage_type(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::add_forward<T>(a.data<T>(), b.data<T>(), out.data<T>(), a.numel(), b.numel(), compute_stream());
  });
}

void add_backward_broadcast(const Tensor& dout, const Tensor& db) {
  with_storage_type(dout.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::add_backward_broadcast<T>(dout.data<T>(), db.data<float>(), dout.numel(), db.numel(), compute_stream());
  });
}

void gelu_forward(const Tensor& x, const Tensor& y) {
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::gelu_forward<T>(x.data<T>(), y.data<T>(), x.numel(), compute_stream());
  });
}

void gelu_backward(const Tensor& x, const Tensor& dy, const Tensor& dx) {
  const std::int64_t cols = last_dim(x);
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::bias_gelu_backward<T>(x.data<T>(), nullptr, dy.data<T>(), dx.data<T>(), nullptr, x.numel() / cols, cols,
                                compute_stream());
  });
}

void tanh_forward(const Tensor& x, const Tensor& y) {
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::tanh_forward<T>(x.data<T>(), y.data<T>(), x.numel(), compute_stream());
  });
}

void tanh_backward(const Tensor& y, const Tensor& dy, const Tensor& dx) {
  with_storage_type(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::tanh_backward<T>(y.data<T>(), dy.data<T>(), dx.data<T>(), y.numel(), compute_stream());
  });
}

}  // namespace vit::cuda_ops
