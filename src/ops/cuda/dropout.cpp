// CUDA paths of dropout and drop_path, for f32 or bf16 tensors: the masks come from the seed
// (Philox; its base read from device memory when given), so the backward recomputes them instead
// of storing them.
#include "kernels/cuda/dropout.h"

#include <algorithm>

#include "ops/cuda/ops_cuda.h"
#include "ops/cuda/storage_type.h"
#include "runtime/cuda/compute_stream.h"
#include "runtime/cuda/device_tensor.h"

namespace vit::cuda_ops {

using cuda::compute_stream;

namespace {

cuda::DeviceSeed device_seed(const Seed& seed) {
  if (!seed.base.defined()) return seed.offset;
  return {static_cast<const std::uint64_t*>(seed.base.raw_data()), seed.offset};
}

}  // namespace

void dropout_forward(const Tensor& x, const Tensor& y, float p, const Seed& seed) {
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::dropout_forward<T>(x.data<T>(), y.data<T>(), x.numel(), p, device_seed(seed), compute_stream());
  });
}

void dropout_backward(const Tensor& dy, const Tensor& dx, float p, const Seed& seed) {
  with_storage_type(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::dropout_backward<T>(dy.data<T>(), dx.data<T>(), dy.numel(), p, device_seed(seed), compute_stream());
  });
}

void drop_path_forward(const Tensor& x, const Tensor& y, float p, const Seed& seed) {
  const std::int64_t rows = x.size(0), row_size = x.numel() / std::max<std::int64_t>(rows, 1);
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::drop_path_forward<T>(x.data<T>(), y.data<T>(), rows, row_size, p, device_seed(seed), compute_stream());
  });
}

void write_seed(const Tensor& base, std::uint64_t value) {
  const std::uint32_t words[2] = {static_cast<std::uint32_t>(value), static_cast<std::uint32_t>(value >> 32)};
  cuda::store_words(base.raw_data(), words, 2);
}

}  // namespace vit::cuda_ops
