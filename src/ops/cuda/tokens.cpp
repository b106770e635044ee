// CUDA paths of concat_class_token and select_token on [B, N, D] tensors.
#include "kernels/cuda/tokens.h"

#include "ops/cuda/compute_stream.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/op_checks.h"

namespace vit::cuda_ops {

using detail::data_or_null;

void concat_class_token_forward(const Tensor& cls, const Tensor& tokens, const Tensor& out) {
  cuda::concat_class_token_forward<float>(cls.data<float>(), tokens.data<float>(), out.data<float>(),
                                          tokens.size(0), tokens.size(1), tokens.size(2), compute_stream());
}

void concat_class_token_backward(const Tensor& dout, const Tensor& dcls, const Tensor& dtokens) {
  cuda::concat_class_token_backward<float>(dout.data<float>(), data_or_null(dcls), data_or_null(dtokens),
                                           dout.size(0), dout.size(1) - 1, dout.size(2), compute_stream());
}

void select_token_forward(const Tensor& x, const Tensor& out, std::int64_t index) {
  cuda::select_token_forward<float>(x.data<float>(), out.data<float>(), x.size(0), x.size(1), x.size(2), index,
                                    compute_stream());
}

void select_token_backward(const Tensor& dout, const Tensor& dx, std::int64_t index) {
  cuda::select_token_backward<float>(dout.data<float>(), dx.data<float>(), dx.size(0), dx.size(1), dx.size(2),
                                     index, compute_stream());
}

}  // namespace vit::cuda_ops
