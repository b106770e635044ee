// CUDA path of cross_entropy (f32 or bf16 logits, f32 loss): the loss stays on the device. The
// backward kernel takes dloss as a host float, so it reads the (one-element) upstream gradient
// back: the only host synchronisation of a step, to remove with a device-scalar kernel argument.
#include "kernels/cuda/loss.h"

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

}  // namespace vit::cuda_ops
