// CPU paths of dropout and drop_path: the masks come from the seed (Philox), as on cuda.
#include "kernels/cpu/dropout.h"

#include <algorithm>

#include "ops/cpu/ops_cpu.h"

namespace vit::cpu_ops {

void dropout_forward(const Tensor& x, const Tensor& y, float p, std::uint64_t seed) {
  cpu::dropout_forward(x.data<float>(), y.data<float>(), x.numel(), p, seed);
}

void dropout_backward(const Tensor& dy, const Tensor& dx, float p, std::uint64_t seed) {
  cpu::dropout_backward(dy.data<float>(), dx.data<float>(), dy.numel(), p, seed);
}

void drop_path_forward(const Tensor& x, const Tensor& y, float p, std::uint64_t seed) {
  const std::int64_t rows = x.size(0), row_size = x.numel() / std::max<std::int64_t>(rows, 1);
  cpu::drop_path_forward(x.data<float>(), y.data<float>(), rows, row_size, p, seed);
}

}  // namespace vit::cpu_ops
