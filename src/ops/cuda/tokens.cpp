// CUDA paths of concat_class_token, select_token and mean_tokens on [B, N, D] tensors (all of one dtype, f32
// or bf16).
#include "kernels/cuda/tokens.h"

#include "ops/cuda/ops_cuda.h"
#include "ops/cuda/storage_type.h"
#include "ops/op_checks.h"
#include "runtime/cuda/compute_stream.h"

namespace vit::cuda_ops {

using cuda::compute_stream;

using detail::data_or_null;

void concat_class_token_forward(const Tensor& cls, const Tensor& tokens, const Tensor& out) {
  with_storage_type(tokens.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::concat_class_token_forward<T>(cls.data<T>(), tokens.data<T>(), out.data<T>(), tokens.size(0),
                                        tokens.size(1), tokens.size(2), compute_stream());
  });
}

void concat_class_token_backward(const Tensor& dout, const Tensor& dcls, const Tensor& dtokens) {
  with_storage_type(dout.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::concat_class_token_backward<T>(dout.data<T>(), data_or_null<T>(dcls), data_or_null<T>(dtokens),
                                         dout.size(0), dout.size(1) - 1, dout.size(2), compute_stream());
  });
}

void select_token_forward(const Tensor& x, const Tensor& out, std::int64_t index) {
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::select_token_forward<T>(x.data<T>(), out.data<T>(), x.size(0), x.size(1), x.size(2), index,
                                  compute_stream());
  });
}

void select_token_backward(const Tensor& dout, const Tensor& dx, std::int64_t index) {
  with_storage_type(dout.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::select_token_backward<T>(dout.data<T>(), dx.data<T>(), dx.size(0), dx.size(1), dx.size(2), index,
                                   compute_stream());
  });
}

void mean_tokens_forward(const Tensor& x, const Tensor& out, std::int64_t first) {
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::mean_tokens_forward<T>(x.data<T>(), out.data<T>(), x.size(0), x.size(1), x.size(2), first,
                                 compute_stream());
  });
}

void mean_tokens_backward(const Tensor& dout, const Tensor& dx, std::int64_t first) {
  with_storage_type(dout.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::mean_tokens_backward<T>(dout.data<T>(), dx.data<T>(), dx.size(0), dx.size(1), dx.size(2), first,
                                  compute_stream());
  });
}

}  // namespace vit::cuda_ops
