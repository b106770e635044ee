#pragma once
// Calls fn(T{}) with T the host storage type of a floating-point dtype (float or vit::bfloat16),
// so a CUDA op path picks the kernel instantiation from its tensors' dtype:
//   with_storage_type(x.dtype(), [&](auto tag) { using T = decltype(tag); kernel<T>(x.data<T>()); });
#include "vitcuda/runtime/check.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda_ops {

template <typename Fn>
void with_storage_type(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::f32: fn(float{}); return;
    case DType::bf16: fn(bfloat16{}); return;
    default: VIT_FAIL("the cuda ops take f32 or bf16 tensors, got ", dtype_name(dtype), ".");
  }
}

}  // namespace vit::cuda_ops
