// CPU path of linear and linear_gelu: oneDNN's sgemm through the reference kernels; linear_gelu
// is the product followed by the GELU kernels (no fusion on the cpu).
#include "kernels/cpu/linear.h"

#include "ops/cpu/ops_cpu.h"
#include "ops/op_checks.h"

namespace vit::cpu_ops {

using detail::data_or_null;

void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& y, std::int64_t rows,
                    std::int64_t in, std::int64_t out) {
  cpu::linear_forward(x.data<float>(), w.data<float>(), data_or_null(b), y.data<float>(), rows, in, out);
}

void linear_backward(const Tensor& x, const Tensor& w, const Tensor& dy, const Tensor& dx, const Tensor& dw,
                     const Tensor& db, std::int64_t rows, std::int64_t in, std::int64_t out) {
  cpu::linear_backward(x.data<float>(), w.data<float>(), dy.data<float>(), data_or_null(dx), data_or_null(dw),
                       data_or_null(db), rows, in, out);
}

void linear_gelu_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& pre, const Tensor& y,
                         std::int64_t rows, std::int64_t in, std::int64_t out) {
  linear_forward(x, w, b, pre, rows, in, out);
  gelu_forward(pre, y);
}

void linear_gelu_backward(const Tensor& x, const Tensor& w, const Tensor& pre, const Tensor& dy, const Tensor& dx,
                          const Tensor& dw, const Tensor& db, std::int64_t rows, std::int64_t in, std::int64_t out) {
  const Tensor dpre = Tensor::empty(pre.shape(), DType::f32, pre.device());
  gelu_backward(pre, dy, dpre);
  linear_backward(x, w, dpre, dx, dw, db, rows, in, out);
}

}  // namespace vit::cpu_ops
