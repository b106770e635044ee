// CUDA path of cross_entropy (f32 or bf16 logits, f32 loss): the loss, the correct count, the
// label check (a device fault) and the upstream gradient all stay on the device, so a training
// step never waits for it.
#include "kernels/cuda/loss.h"

#include "ops/cuda/ops_cuda.h"
#include "ops/cuda/storage_type.h"
#include "runtime/cuda/compute_stream.h"
#include "runtime/cuda/device_fault.h"

namespace vit::cuda_ops {

using cuda::compute_stream;

void cross_entropy_forward(const Tensor& logits, const Tensor& labels, float smoothing, const Tensor& loss,
                           const Tensor& correct) {
  std::int32_t* correct_count = correct.defined() ? correct.data<std::int32_t>() : nullptr;
  with_storage_type(logits.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::cross_entropy_forward<T>(logits.data<T>(), labels.data<std::int32_t>(), logits.size(0), logits.size(1),
                                   smoothing, loss.data<float>(), correct_count, cuda::device_fault_record(),
                                   compute_stream());
  });
}

void count_predictions(const Tensor& logits, const Tensor& labels, const Tensor& counts) {
  with_storage_type(logits.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::count_predictions<T>(logits.data<T>(), labels.data<std::int32_t>(), logits.size(0), logits.size(1),
                               counts.data<std::int32_t>(), compute_stream());
  });
}

void tally_batch(const Tensor& loss, const Tensor& correct, std::int64_t rows, const Tensor& sums) {
  auto* bytes = sums.data<std::uint8_t>();  // 256-byte aligned device memory
  cuda::tally_batch(loss.data<float>(), correct.data<std::int32_t>(), rows, reinterpret_cast<double*>(bytes),
                    reinterpret_cast<std::int64_t*>(bytes + sizeof(double)), compute_stream());
}

void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& dloss, float smoothing,
                            const Tensor& dlogits) {
  with_storage_type(logits.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::cross_entropy_backward<T>(logits.data<T>(), labels.data<std::int32_t>(), dloss.data<float>(),
                                    dlogits.data<T>(), logits.size(0), logits.size(1), smoothing, compute_stream());
  });
}

}  // namespace vit::cuda_ops
