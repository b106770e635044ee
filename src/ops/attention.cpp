#include "vitcuda/ops/attention.h"

#include "kernels/cpu/attention.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/op_checks.h"

namespace vit {

namespace {

AttentionShape checked_shape(const Tensor& qkv, int heads, const char* op) {
  detail::check_f32_or_cuda_bf16(qkv, op, "qkv");
  detail::check_rank(qkv, 3, op, "qkv");
  VIT_CHECK(qkv.size(2) % 3 == 0, op, ": qkv ", shape_str(qkv.shape()), " must end in 3*D (q, k and v packed).");
  const AttentionShape s{qkv.size(0), qkv.size(1), qkv.size(2) / 3, heads};
  VIT_CHECK(heads > 0 && s.dim % heads == 0, op, ": dim ", s.dim, " is not divisible by ", heads, " heads.");
  return s;
}

}  // namespace

Tensor attention(const Tensor& qkv, int heads, Tape& tape) {
  constexpr const char* op = "attention";
  const AttentionShape s = checked_shape(qkv, heads, op);
  const Device device = qkv.device();
  Tensor out = Tensor::empty({s.batch, s.tokens, s.dim}, qkv.dtype(), device);
  if (device.is_cuda()) {
    // The flash-style kernel saves the log-sum-exp of each score row instead of the probabilities.
    Tensor lse = Tensor::empty({s.batch, s.heads, s.tokens}, DType::f32, device);
    cuda_ops::attention_forward(qkv, out, lse, s);
    if (Tape::needs_grad({&qkv})) {
      tape.record(op, out, [qkv, out_data = out.reshape(out.shape()), lse, s](const Tensor& dout) {
        Tensor dqkv = Tensor::empty(qkv.shape(), qkv.dtype(), qkv.device());
        cuda_ops::attention_backward(qkv, out_data, lse, dout, dqkv, s);
        qkv.accumulate_grad(std::move(dqkv));
      });
    }
    return out;
  }
  Tensor probs = Tensor::empty({s.batch, s.heads, s.tokens, s.tokens});
  cpu::attention_forward(qkv.data<float>(), out.data<float>(), probs.data<float>(), s);
  if (Tape::needs_grad({&qkv})) {
    tape.record(op, out, [qkv, probs, s](const Tensor& dout) {
      Tensor dqkv = Tensor::empty(qkv.shape());
      cpu::attention_backward(qkv.data<float>(), probs.data<float>(), dout.data<float>(),
                              dqkv.data<float>(), s);
      qkv.accumulate_grad(std::move(dqkv));
    });
  }
  return out;
}

Tensor attention_probabilities(const Tensor& qkv, int heads) {
  const AttentionShape s = checked_shape(qkv, heads, "attention_probabilities");
  Tensor host = qkv.to(Device::cpu());
  if (host.dtype() != DType::f32) host = host.to(DType::f32);
  Tensor out = Tensor::empty({s.batch, s.tokens, s.dim});
  Tensor probs = Tensor::empty({s.batch, s.heads, s.tokens, s.tokens});
  cpu::attention_forward(host.data<float>(), out.data<float>(), probs.data<float>(), s);
  return probs;
}

}  // namespace vit
