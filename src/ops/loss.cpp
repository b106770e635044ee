#include "vitcuda/ops/loss.h"

#include "kernels/cpu/loss.h"
#include "ops/op_checks.h"

namespace vit {

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, float label_smoothing, Tape& tape) {
  constexpr const char* op = "cross_entropy";
  detail::check_cpu_f32(logits, op, "logits");
  detail::check_rank(logits, 2, op, "logits");
  VIT_CHECK(labels.defined() && labels.dtype() == DType::i32 && labels.device().is_cpu(),
            "cross_entropy: labels must be an i32 cpu tensor.");
  const std::int64_t rows = logits.size(0), classes = logits.size(1);
  VIT_CHECK(rows > 0 && classes > 0, "cross_entropy: logits ", shape_str(logits.shape()), " is empty.");
  VIT_CHECK(labels.shape() == Shape{rows}, "cross_entropy: labels ", shape_str(labels.shape()),
            " must be [", rows, "] for logits ", shape_str(logits.shape()), ".");
  VIT_CHECK(label_smoothing >= 0.0f && label_smoothing < 1.0f,
            "cross_entropy: label smoothing must be in [0, 1), got ", label_smoothing, ".");
  const std::int32_t* label = labels.data<std::int32_t>();
  for (std::int64_t r = 0; r < rows; ++r) {
    VIT_CHECK(label[r] >= 0 && label[r] < classes, "cross_entropy: label ", label[r], " of sample ",
              r, " is outside the ", classes, " classes.");
  }
  Tensor loss = Tensor::full({}, cpu::cross_entropy_forward(logits.data<float>(), label, rows,
                                                            classes, label_smoothing));
  if (Tape::needs_grad({&logits})) {
    tape.record(op, loss, [logits, labels, rows, classes, label_smoothing](const Tensor& dloss) {
      Tensor dlogits = Tensor::empty(logits.shape());
      cpu::cross_entropy_backward(logits.data<float>(), labels.data<std::int32_t>(), dloss.item(),
                                  dlogits.data<float>(), rows, classes, label_smoothing);
      logits.accumulate_grad(std::move(dlogits));
    });
  }
  return loss;
}

}  // namespace vit
