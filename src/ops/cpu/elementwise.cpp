// CPU paths of add, gelu and tanh.
#include "kernels/cpu/elementwise.h"

#include "ops/cpu/ops_cpu.h"

namespace vit::cpu_ops {

void add_forward(const Tensor& a, const Tensor& b, const Tensor& out) {
  cpu::add_forward(a.data<float>(), b.data<float>(), out.data<float>(), a.numel(), b.numel());
}

void add_backward_broadcast(const Tensor& dout, const Tensor& db) {
  cpu::add_backward_broadcast(dout.data<float>(), db.data<float>(), dout.numel(), db.numel());
}

void gelu_forward(const Tensor& x, const Tensor& y) { cpu::gelu_forward(x.data<float>(), y.data<float>(), x.numel()); }

void gelu_backward(const Tensor& x, const Tensor& dy, const Tensor& dx) {
  cpu::gelu_backward(x.data<float>(), dy.data<float>(), dx.data<float>(), x.numel());
}

void tanh_forward(const Tensor& x, const Tensor& y) { cpu::tanh_forward(x.data<float>(), y.data<float>(), x.numel()); }

void tanh_backward(const Tensor& y, const Tensor& dy, const Tensor& dx) {
  cpu::tanh_backward(y.data<float>(), dy.data<float>(), dx.data<float>(), y.numel());
}

}  // namespace vit::cpu_ops
