#pragma once
// An op's one dispatch: the cpu and the cuda path of a kernel family take the same tensors
// (ops/cpu/ops_cpu.h, ops/cuda/ops_cuda.h), and the device of the first one picks the path.
//   detail::dispatch(cpu_ops::gelu_forward, cuda_ops::gelu_forward, x, y);
#include <utility>

#include "vitcuda/runtime/tensor.h"

namespace vit::detail {

template <typename... Params, typename... Args>
void dispatch(void (*cpu)(Params...), void (*cuda)(Params...), const Tensor& first, Args&&... rest) {
  (first.device().is_cuda() ? cuda : cpu)(first, std::forward<Args>(rest)...);
}

}  // namespace vit::detail
