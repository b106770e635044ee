#include "vitcuda/ops/cast.h"

#include "ops/op_checks.h"

namespace vit {

Tensor cast(const Tensor& x, DType dtype, Tape& tape) {
  constexpr const char* op = "cast";
  detail::check_f32_or_cuda_bf16(x, op, "x");
  VIT_CHECK(dtype == DType::f32 || (dtype == DType::bf16 && x.device().is_cuda()),
            "cast: the target dtype must be f32, or bf16 on the cuda device, not ", dtype_name(dtype), " on ",
            x.device().str(), ".");
  if (dtype == x.dtype()) return x;
  Tensor y = x.to(dtype);
  if (Tape::needs_grad({&x})) {
    tape.record(op, y, [x_grad = x.grad_slot()](const Tensor& dy) { x_grad.accumulate(dy.to(x_grad.dtype())); });
  }
  return y;
}

}  // namespace vit
