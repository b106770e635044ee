#pragma once
// Argument checks shared by the ops: one clear sentence naming the op and the argument.
#include <initializer_list>
#include <utility>

#include "vitcuda/runtime/tensor.h"

namespace vit::detail {

// The tensor is defined and f32.
void check_f32(const Tensor& t, const char* op, const char* arg);
// The tensor is defined and f32, or bf16 on cuda (bf16 autocast activations; the cpu kernels are
// f32 only).
void check_f32_or_cuda_bf16(const Tensor& t, const char* op, const char* arg);
// Every defined tensor of `args` (name, tensor) is on the device of the first one; returns it.
Device check_same_device(const char* op, std::initializer_list<std::pair<const char*, const Tensor*>> args);
void check_rank(const Tensor& t, int rank, const char* op, const char* arg);
// Gradient buffer for `t` (on its device, of its dtype) when it requires grad, else an undefined
// tensor (skip that gradient).
Tensor grad_buffer_if_needed(const Tensor& t);
Tensor grad_buffer_if_needed(const GradSlot& slot);
// `t` itself when it already has `dtype`, else a converted copy (a parameter meeting bf16
// activations).
Tensor as_dtype(const Tensor& t, DType dtype);
// Data pointer of an optional tensor (nullptr when undefined).
template <typename T = float>
T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

}  // namespace vit::detail
