// CPU path of cross_entropy: the loss is written into a one-element tensor, as on cuda.
#include "kernels/cpu/loss.h"

#include <cstring>

#include "ops/cpu/ops_cpu.h"

namespace vit::cpu_ops {

void cross_entropy_forward(const Tensor& logits, const Tensor& labels, float smoothing, const Tensor& loss,
                           const Tensor& correct) {
  *loss.data<float>() = cpu::cross_entropy_forward(logits.data<float>(), labels.data<std::int32_t>(), logits.size(0),
                                                   logits.size(1), smoothing);
  if (correct.defined()) {
    *correct.data<std::int32_t>() =
        cpu::count_correct(logits.data<float>(), labels.data<std::int32_t>(), logits.size(0), logits.size(1));
  }
}

void count_predictions(const Tensor& logits, const Tensor& labels, const Tensor& counts) {
  cpu::count_predictions(logits.data<float>(), labels.data<std::int32_t>(), logits.size(0), logits.size(1),
                         counts.data<std::int32_t>());
}

void tally_batch(const Tensor& loss, const Tensor& correct, std::int64_t rows, const Tensor& sums) {
  double loss_sum = 0;
  std::int64_t correct_sum = 0;
  std::uint8_t* bytes = sums.data<std::uint8_t>();
  std::memcpy(&loss_sum, bytes, sizeof(double));
  std::memcpy(&correct_sum, bytes + sizeof(double), sizeof(std::int64_t));
  cpu::tally_batch(loss.data<float>(), correct.data<std::int32_t>(), rows, &loss_sum, &correct_sum);
  std::memcpy(bytes, &loss_sum, sizeof(double));
  std::memcpy(bytes + sizeof(double), &correct_sum, sizeof(std::int64_t));
}

void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& dloss, float smoothing,
                            const Tensor& dlogits) {
  cpu::cross_entropy_backward(logits.data<float>(), labels.data<std::int32_t>(), dloss.item(), dlogits.data<float>(),
                              logits.size(0), logits.size(1), smoothing);
}

}  // namespace vit::cpu_ops
