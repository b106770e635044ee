// CPU path of mean over all elements: the result is written into a one-element tensor, as on cuda.
#include "kernels/cpu/reduce.h"

#include "ops/cpu/ops_cpu.h"

namespace vit::cpu_ops {

void mean_forward(const Tensor& x, const Tensor& out) {
  *out.data<float>() = cpu::mean_forward(x.data<float>(), x.numel());
}

void mean_backward(const Tensor& dout, const Tensor& dx) {
  cpu::mean_backward(dout.item(), dx.data<float>(), dx.numel());
}

}  // namespace vit::cpu_ops
