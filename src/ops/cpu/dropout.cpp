// CPU paths of dropout and drop_path: the masks come from the seed (Philox), as on cuda.
#include "kernels/cpu/dropout.h"

#include <algorithm>
#include <cstring>

#include "ops/cpu/ops_cpu.h"

namespace vit::cpu_ops {

namespace {

std::uint64_t value_of(const Seed& seed) {
  std::uint64_t base = 0;
  if (seed.base.defined()) std::memcpy(&base, seed.base.raw_data(), sizeof(base));
  return seed.offset + base;
}

}  // namespace

void dropout_forward(const Tensor& x, const Tensor& y, float p, const Seed& seed) {
  cpu::dropout_forward(x.data<float>(), y.data<float>(), x.numel(), p, value_of(seed));
}

void dropout_backward(const Tensor& dy, const Tensor& dx, float p, const Seed& seed) {
  cpu::dropout_backward(dy.data<float>(), dx.data<float>(), dy.numel(), p, value_of(seed));
}

void drop_path_forward(const Tensor& x, const Tensor& y, float p, const Seed& seed) {
  const std::int64_t rows = x.size(0), row_size = x.numel() / std::max<std::int64_t>(rows, 1);
  cpu::drop_path_forward(x.data<float>(), y.data<float>(), rows, row_size, p, value_of(seed));
}

void write_seed(const Tensor& base, std::uint64_t value) { std::memcpy(base.raw_data(), &value, sizeof(value)); }

}  // namespace vit::cpu_ops
