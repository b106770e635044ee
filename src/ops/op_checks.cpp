#include "ops/op_checks.h"

namespace vit::detail {

void check_f32(const Tensor& t, const char* op, const char* arg) {
  VIT_CHECK(t.defined(), op, ": argument '", arg, "' is undefined.");
  VIT_CHECK(t.dtype() == DType::f32, op, ": argument '", arg, "' must be f32, got ",
            dtype_name(t.dtype()), ".");
}

void check_f32_or_cuda_bf16(const Tensor& t, const char* op, const char* arg) {
  VIT_CHECK(t.defined(), op, ": argument '", arg, "' is undefined.");
  VIT_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::bf16, op, ": argument '", arg,
            "' must be f32 or bf16, got ", dtype_name(t.dtype()), ".");
  VIT_CHECK(t.dtype() == DType::f32 || t.device().is_cuda(), op, ": argument '", arg,
            "' is bf16 on the cpu; bf16 runs on the cuda device only (the cpu kernels are f32).");
}

Device check_same_device(const char* op, std::initializer_list<std::pair<const char*, const Tensor*>> args) {
  const std::pair<const char*, const Tensor*>* first = nullptr;
  for (const auto& arg : args) {
    if (!arg.second->defined()) continue;
    if (first == nullptr) {
      first = &arg;
      continue;
    }
    VIT_CHECK(arg.second->device() == first->second->device(), op, ": argument '", arg.first, "' is on ",
              arg.second->device().str(), " but '", first->first, "' is on ", first->second->device().str(),
              "; move them to one device (Tensor::to).");
  }
  return first != nullptr ? first->second->device() : Device::cpu();
}

void check_rank(const Tensor& t, int rank, const char* op, const char* arg) {
  VIT_CHECK(t.ndim() == rank, op, ": argument '", arg, "' must have ", rank, " dims, got shape ",
            shape_str(t.shape()), ".");
}

Tensor grad_buffer_if_needed(const Tensor& t) {
  return t.defined() && t.requires_grad() ? Tensor::empty(t.shape(), t.dtype(), t.device()) : Tensor();
}

Tensor grad_buffer_if_needed(const GradSlot& slot) {
  return slot.requires_grad() ? Tensor::empty(slot.shape(), slot.dtype(), slot.device()) : Tensor();
}

Tensor as_dtype(const Tensor& t, DType dtype) { return t.dtype() == dtype ? t : t.to(dtype); }

}  // namespace vit::detail
