#pragma once
// Argument checks shared by the ops: one clear sentence naming the op and the argument.
#include "vitcuda/runtime/tensor.h"

namespace vit::detail {

// The tensor is defined, f32 and on the cpu (the only backend of this build).
void check_cpu_f32(const Tensor& t, const char* op, const char* arg);
void check_rank(const Tensor& t, int rank, const char* op, const char* arg);
// Gradient buffer for `t` when it requires grad, else an undefined tensor (skip that gradient).
Tensor grad_buffer_if_needed(const Tensor& t);
Tensor grad_buffer_if_needed(const GradSlot& slot);
// Data pointer of an optional tensor (nullptr when undefined).
float* data_or_null(const Tensor& t);

}  // namespace vit::detail
