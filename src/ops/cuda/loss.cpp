// CUDA paths of cross_entropy (f32 or bf16 logits, f32 loss) and mean (f32): the scalars stay on
// the device. The cross-entropy backward kernel takes dloss as a host float, so it reads the
// (one-element) upstream gradient back: the only host synchronisation of a step, to remove with a
// device-scalar kernel argument.
#include "kernels/cuda/loss.h"

#include "kernels/cuda/reduce.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/cuda/storage_type.h"
#include "runtime/cuda/compute_stream.h"

namespace vit::cuda_ops {

using cuda::compute_stream;

void cross_entropy_forward(const Tensor& logits, const Tensor& labels, float smoothing, const Tensor& loss) {
  with_storage_type(logits.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::cross_entropy_forward<T>(logits.data<T>(), labels.data<std::int32_t>(), logits.size(0), logits.size(1),
                                   smoothing, loss.data<float>(), nullptr, compute_stream());
  });
}

void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& dloss, float smoothing,
                            const Tensor& dlogits) {
  const float upstream = dloss.item();
  with_storage_type(logits.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::cross_entropy_backward<T>(logits.data<T>(), labels.data<std::int32_t>(), upstream, dlogits.data<T>(),
                                    logits.size(0), logits.size(1), smoothing, compute_stream());
  });
}

void mean_forward(const Tensor& x, const Tensor& out) {
  cuda::mean_forward(x.data<float>(), out.data<float>(), x.numel(), compute_stream());
}

void mean_backward(const Tensor& dout, const Tensor& dx) {
  cuda::mean_backward(dout.data<float>(), dx.data<float>(), dx.numel(), compute_stream());
}

}  // namespace vit::cuda_ops
