// CUDA paths of dropout and drop_path, for f32 or bf16 tensors: the masks come from the seed
// (Philox), so the backward recomputes them instead of storing them.
#include "kernels/cuda/dropout.h"

#include <algorithm>

#include "ops/cuda/ops_cuda.h"
#include "ops/cuda/storage_type.h"
#include "runtime/cuda/compute_stream.h"

namespace vit::cuda_ops {

using cuda::compute_stream;

void dropout_forward(const Tensor& x, const Tensor& y, float p, std::uint64_t seed) {
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::dropout_forward<T>(x.data<T>(), y.data<T>(), x.numel(), p, seed, compute_stream());
  });
}

void dropout_backward(const Tensor& dy, const Tensor& dx, float p, std::uint64_t seed) {
  with_storage_type(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::dropout_backward<T>(dy.data<T>(), dx.data<T>(), dy.numel(), p, seed, compute_stream());
  });
}

void drop_path_forward(const Tensor& x, const Tensor& y, float p, std::uint64_t seed) {
  const std::int64_t rows = x.size(0), row_size = x.numel() / std::max<std::int64_t>(rows, 1);
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::drop_path_forward<T>(x.data<T>(), y.data<T>(), rows, row_size, p, seed, compute_stream());
  });
}

}  // namespace vit::cuda_ops
