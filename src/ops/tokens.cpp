#include "vitcuda/ops/tokens.h"

#include "ops/cpu/ops_cpu.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/dispatch.h"
#include "ops/op_checks.h"

namespace vit {

Tensor concat_class_token(const Tensor& cls_token, const Tensor& tokens, Tape& tape) {
  constexpr const char* op = "concat_class_token";
  detail::check_f32(cls_token, op, "cls_token");
  detail::check_f32_or_cuda_bf16(tokens, op, "tokens");
  detail::check_rank(tokens, 3, op, "tokens");
  const Device device = detail::check_same_device(op, {{"cls_token", &cls_token}, {"tokens", &tokens}});
  const std::int64_t batch = tokens.size(0), n = tokens.size(1), dim = tokens.size(2);
  VIT_CHECK(cls_token.shape() == Shape({1, 1, dim}), "concat_class_token: cls_token ",
            shape_str(cls_token.shape()), " must be [1, 1, ", dim, "] for tokens ", shape_str(tokens.shape()), ".");
  // Under bf16 autocast the f32 class token joins bf16 tokens as a bf16 copy; its gradient (summed
  // over the batch in f32 by the kernel, stored as bf16) returns to f32.
  const DType dtype = tokens.dtype();
  Tensor out = Tensor::empty({batch, n + 1, dim}, dtype, device);
  detail::dispatch(cpu_ops::concat_class_token_forward, cuda_ops::concat_class_token_forward,
                   detail::as_dtype(cls_token, dtype), tokens, out);
  if (Tape::needs_grad({&cls_token, &tokens})) {
    tape.record(op, out, [cls_grad = cls_token.grad_slot(), tokens_grad = tokens.grad_slot()](const Tensor& dout) {
      Tensor dcls =
          cls_grad.requires_grad() ? Tensor::empty(cls_grad.shape(), dout.dtype(), dout.device()) : Tensor();
      Tensor dtokens = detail::grad_buffer_if_needed(tokens_grad);
      detail::dispatch(cpu_ops::concat_class_token_backward, cuda_ops::concat_class_token_backward, dout, dcls,
                       dtokens);
      if (dcls.defined()) cls_grad.accumulate(detail::as_dtype(dcls, cls_grad.dtype()));
      if (dtokens.defined()) tokens_grad.accumulate(std::move(dtokens));
    });
  }
  return out;
}

Tensor select_token(const Tensor& x, std::int64_t index, Tape& tape) {
  constexpr const char* op = "select_token";
  detail::check_f32_or_cuda_bf16(x, op, "x");
  detail::check_rank(x, 3, op, "x");
  const std::int64_t batch = x.size(0), n = x.size(1), dim = x.size(2);
  VIT_CHECK(0 <= index && index < n, "select_token: index ", index, " is out of range for ", n, " tokens.");
  Tensor out = Tensor::empty({batch, dim}, x.dtype(), x.device());
  detail::dispatch(cpu_ops::select_token_forward, cuda_ops::select_token_forward, x, out, index);
  if (Tape::needs_grad({&x})) {
    tape.record(op, out, [x_grad = x.grad_slot(), index](const Tensor& dout) {
      Tensor dx = detail::grad_buffer_if_needed(x_grad);
      detail::dispatch(cpu_ops::select_token_backward, cuda_ops::select_token_backward, dout, dx, index);
      x_grad.accumulate(std::move(dx));
    });
  }
  return out;
}

Tensor mean_tokens(const Tensor& x, std::int64_t first, Tape& tape) {
  constexpr const char* op = "mean_tokens";
  detail::check_f32_or_cuda_bf16(x, op, "x");
  detail::check_rank(x, 3, op, "x");
  const std::int64_t batch = x.size(0), n = x.size(1), dim = x.size(2);
  VIT_CHECK(0 <= first && first < n, "mean_tokens: first token ", first, " leaves no tokens to average out of ", n,
            ".");
  Tensor out = Tensor::empty({batch, dim}, x.dtype(), x.device());
  detail::dispatch(cpu_ops::mean_tokens_forward, cuda_ops::mean_tokens_forward, x, out, first);
  if (Tape::needs_grad({&x})) {
    tape.record(op, out, [x_grad = x.grad_slot(), first](const Tensor& dout) {
      Tensor dx = detail::grad_buffer_if_needed(x_grad);
      detail::dispatch(cpu_ops::mean_tokens_backward, cuda_ops::mean_tokens_backward, dout, dx, first);
      x_grad.accumulate(std::move(dx));
    });
  }
  return out;
}

}  // namespace vit
