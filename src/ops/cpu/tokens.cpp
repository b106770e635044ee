// CPU paths of concat_class_token, select_token and mean_tokens on [B, N, D] tensors.
#include "kernels/cpu/tokens.h"

#include "ops/cpu/ops_cpu.h"
#include "ops/op_checks.h"

namespace vit::cpu_ops {

using detail::data_or_null;

void concat_class_token_forward(const Tensor& cls, const Tensor& tokens, const Tensor& out) {
  cpu::concat_class_token_forward(cls.data<float>(), tokens.data<float>(), out.data<float>(), tokens.size(0),
                                  tokens.size(1), tokens.size(2));
}

void concat_class_token_backward(const Tensor& dout, const Tensor& dcls, const Tensor& dtokens) {
  cpu::concat_class_token_backward(dout.data<float>(), data_or_null(dcls), data_or_null(dtokens), dout.size(0),
                                   dout.size(1) - 1, dout.size(2));
}

void select_token_forward(const Tensor& x, const Tensor& out, std::int64_t index) {
  cpu::select_token_forward(x.data<float>(), out.data<float>(), x.size(0), x.size(1), x.size(2), index);
}

void select_token_backward(const Tensor& dout, const Tensor& dx, std::int64_t index) {
  cpu::select_token_backward(dout.data<float>(), dx.data<float>(), dx.size(0), dx.size(1), dx.size(2), index);
}

void mean_tokens_forward(const Tensor& x, const Tensor& out, std::int64_t first) {
  cpu::mean_tokens_forward(x.data<float>(), out.data<float>(), x.size(0), x.size(1), x.size(2), first);
}

void mean_tokens_backward(const Tensor& dout, const Tensor& dx, std::int64_t first) {
  cpu::mean_tokens_backward(dout.data<float>(), dx.data<float>(), dx.size(0), dx.size(1), dx.size(2), first);
}

}  // namespace vit::cpu_ops
