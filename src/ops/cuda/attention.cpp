// CUDA path of attention, for f32 or bf16 qkv (the log-sum-exp lse stays f32); the backward
// kernel's scratch memory is a cuda tensor from the caching allocator, for the call.
#include "kernels/cuda/attention.h"

#include "ops/cuda/ops_cuda.h"
#include "ops/cuda/storage_type.h"
#include "runtime/cuda/compute_stream.h"

namespace vit::cuda_ops {

using cuda::compute_stream;

void attention_forward(const Tensor& qkv, const Tensor& out, const Tensor& lse, const AttentionShape& s) {
  with_storage_type(qkv.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::attention_forward<T>(qkv.data<T>(), out.data<T>(), lse.data<float>(), s, compute_stream());
  });
}

void attention_backward(const Tensor& qkv, const Tensor& out, const Tensor& lse, const Tensor& dout,
                        const Tensor& dqkv, const AttentionShape& s) {
  const Tensor workspace = Tensor::empty({static_cast<std::int64_t>(cuda::attention_backward_workspace(s))},
                                         DType::f32, qkv.device());
  with_storage_type(qkv.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::attention_backward<T>(qkv.data<T>(), out.data<T>(), lse.data<float>(), dout.data<T>(), dqkv.data<T>(),
                                workspace.data<float>(), s, compute_stream());
  });
}

}  // namespace vit::cuda_ops
