// CPU path of cross_entropy: the loss is written into a one-element tensor, as on cuda.
#include "kernels/cpu/loss.h"

#include "ops/cpu/ops_cpu.h"

namespace vit::cpu_ops {

void cross_entropy_forward(const Tensor& logits, const Tensor& labels, float smoothing, const Tensor& loss) {
  *loss.data<float>() = cpu::cross_entropy_forward(logits.data<float>(), labels.data<std::int32_t>(), logits.size(0),
                                                   logits.size(1), smoothing);
}

void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& dloss, float smoothing,
                            const Tensor& dlogits) {
  cpu::cross_entropy_backward(logits.data<float>(), labels.data<std::int32_t>(), dloss.item(), dlogits.data<float>(),
                              logits.size(0), logits.size(1), smoothing);
}

}  // namespace vit::cpu_ops
