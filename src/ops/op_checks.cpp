#include "ops/op_checks.h"

namespace vit::detail {

void check_cpu_f32(const Tensor& t, const char* op, const char* arg) {
  VIT_CHECK(t.defined(), op, ": argument '", arg, "' is undefined.");
  VIT_CHECK(t.dtype() == DType::f32, op, ": argument '", arg, "' must be f32, got ",
            dtype_name(t.dtype()), ".");
  VIT_CHECK(t.device().is_cpu(), op, ": argument '", arg, "' is on ", t.device().str(),
            " but this build only has the cpu backend.");
}

void check_rank(const Tensor& t, int rank, const char* op, const char* arg) {
  VIT_CHECK(t.ndim() == rank, op, ": argument '", arg, "' must have ", rank, " dims, got shape ",
            shape_str(t.shape()), ".");
}

Tensor grad_buffer_if_needed(const Tensor& t) {
  return t.defined() && t.requires_grad() ? Tensor::empty(t.shape()) : Tensor();
}

Tensor grad_buffer_if_needed(const GradSlot& slot) {
  return slot.requires_grad() ? Tensor::empty(slot.shape()) : Tensor();
}

float* data_or_null(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

}  // namespace vit::detail
