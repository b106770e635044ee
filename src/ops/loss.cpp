#include "vitcuda/ops/loss.h"

#include <cstring>

#include "ops/cpu/ops_cpu.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/dispatch.h"
#include "ops/op_checks.h"

namespace vit {

namespace {

// The loss, and the correct count when `correct` is defined.
Tensor forward(const Tensor& logits, const Tensor& labels, float label_smoothing, Tape& tape, const Tensor& correct) {
  constexpr const char* op = "cross_entropy";
  detail::check_f32_or_cuda_bf16(logits, op, "logits");
  detail::check_rank(logits, 2, op, "logits");
  VIT_CHECK(labels.defined() && labels.dtype() == DType::i32,
            "cross_entropy: labels must be an i32 tensor on the logits' device.");
  const Device device = detail::check_same_device(op, {{"logits", &logits}, {"labels", &labels}});
  const std::int64_t rows = logits.size(0), classes = logits.size(1);
  VIT_CHECK(rows > 0 && classes > 0, "cross_entropy: logits ", shape_str(logits.shape()), " is empty.");
  VIT_CHECK(labels.shape() == Shape{rows}, "cross_entropy: labels ", shape_str(labels.shape()),
            " must be [", rows, "] for logits ", shape_str(logits.shape()), ".");
  VIT_CHECK(label_smoothing >= 0.0f && label_smoothing < 1.0f,
            "cross_entropy: label smoothing must be in [0, 1), got ", label_smoothing, ".");
  if (device.is_cpu()) {  // cuda labels are checked by the kernel (a device fault)
    const std::int32_t* label = labels.data<std::int32_t>();
    for (std::int64_t r = 0; r < rows; ++r) {
      VIT_CHECK(label[r] >= 0 && label[r] < classes, "cross_entropy: label ", label[r], " of sample ", r,
                " is outside the ", classes, " classes.");
    }
  }
  Tensor loss = Tensor::empty({}, DType::f32, device);
  detail::dispatch(cpu_ops::cross_entropy_forward, cuda_ops::cross_entropy_forward, logits, labels, label_smoothing,
                   loss, correct);
  if (Tape::needs_grad({&logits})) {
    tape.record(op, loss, [logits, labels, label_smoothing](const Tensor& dloss) {
      Tensor dlogits = Tensor::empty(logits.shape(), logits.dtype(), logits.device());
      detail::dispatch(cpu_ops::cross_entropy_backward, cuda_ops::cross_entropy_backward, logits, labels, dloss,
                       label_smoothing, dlogits);
      logits.accumulate_grad(std::move(dlogits));
    });
  }
  return loss;
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, float label_smoothing, Tape& tape) {
  return forward(logits, labels, label_smoothing, tape, Tensor());
}

CrossEntropy cross_entropy_and_correct(const Tensor& logits, const Tensor& labels, float label_smoothing, Tape& tape) {
  Tensor correct = Tensor::empty({}, DType::i32, logits.defined() ? logits.device() : Device::cpu());
  Tensor loss = forward(logits, labels, label_smoothing, tape, correct);
  return {std::move(loss), std::move(correct)};
}

LossTally::LossTally(Device device)
    : sums_(Tensor::zeros({sizeof(double) + sizeof(std::int64_t)}, DType::u8, device)) {}

void LossTally::add(const CrossEntropy& batch, std::int64_t rows) {
  VIT_CHECK(batch.loss.defined() && batch.correct.defined() && batch.loss.device() == sums_.device() &&
                batch.correct.device() == sums_.device(),
            "LossTally::add: the loss and correct count must be on the tally's device, ", sums_.device().str(), ".");
  VIT_CHECK(rows > 0, "LossTally::add: a batch has at least one row, got ", rows, ".");
  detail::dispatch(cpu_ops::tally_batch, cuda_ops::tally_batch, batch.loss, batch.correct, rows, sums_);
}

LossTally::Sums LossTally::read() const {
  const Tensor host = sums_.to(Device::cpu());  // the tensor itself on the cpu
  Sums sums;
  std::memcpy(&sums.loss_sum, host.data<std::uint8_t>(), sizeof(double));
  std::memcpy(&sums.correct, host.data<std::uint8_t>() + sizeof(double), sizeof(std::int64_t));
  return sums;
}

void LossTally::reset() { sums_.fill(0.0f); }

PredictionCounts::PredictionCounts(Device device, int classes) : classes_(classes) {
  VIT_CHECK(classes > 0 && classes <= 46340, "PredictionCounts: ", classes, " classes is not in [1, 46340].");
  counts_ = Tensor::zeros({2 + static_cast<std::int64_t>(classes) * classes}, DType::i32, device);
}

void PredictionCounts::add(const Tensor& logits, const Tensor& labels) {
  detail::check_f32_or_cuda_bf16(logits, "PredictionCounts::add", "logits");
  VIT_CHECK(logits.ndim() == 2 && logits.size(1) == classes_ && labels.dtype() == DType::i32 &&
                labels.shape() == Shape{logits.size(0)} && logits.device() == counts_.device() &&
                labels.device() == counts_.device(),
            "PredictionCounts::add takes logits [B, ", classes_, "] and i32 labels [B] on ", counts_.device().str(),
            ", got ", shape_str(logits.shape()), " and ", shape_str(labels.shape()), ".");
  if (logits.size(0) == 0) return;
  detail::dispatch(cpu_ops::count_predictions, cuda_ops::count_predictions, logits, labels, counts_);
}

void PredictionCounts::reset() { counts_.fill(0.0f); }

PredictionCounts::Counts PredictionCounts::read() const {
  const Tensor host = counts_.to(Device::cpu());  // the tensor itself on the cpu
  const std::int32_t* values = host.data<std::int32_t>();
  Counts counts{values[0], values[1], std::vector<std::int64_t>(values + 2, values + host.numel())};
  return counts;
}

}  // namespace vit
