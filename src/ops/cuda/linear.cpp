// CUDA path of linear and linear_gelu: the gemm-backed kernels. x, w, y, dy and dx share one dtype (f32 or bf16);
// the bias and the parameter gradients dw, db are f32.
#include "kernels/cuda/linear.h"

#include "ops/cuda/ops_cuda.h"
#include "ops/cuda/storage_type.h"
#include "ops/op_checks.h"
#include "runtime/cuda/compute_stream.h"

namespace vit::cuda_ops {

using cuda::compute_stream;

using detail::data_or_null;

void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& y, std::int64_t rows,
                    std::int64_t in, std::int64_t out) {
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::linear_forward<T>(x.data<T>(), w.data<T>(), data_or_null(b), y.data<T>(), rows, in, out, compute_stream());
  });
}

void linear_backward(const Tensor& x, const Tensor& w, const Tensor& dy, const Tensor& dx, const Tensor& dw,
                     const Tensor& db, std::int64_t rows, std::int64_t in, std::int64_t out) {
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::linear_backward<T>(x.data<T>(), w.data<T>(), dy.data<T>(), data_or_null<T>(dx), data_or_null(dw),
                             data_or_null(db), rows, in, out, compute_stream());
  });
}

void linear_gelu_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& pre, const Tensor& y,
                         std::int64_t rows, std::int64_t in, std::int64_t out) {
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::linear_gelu_forward<T>(x.data<T>(), w.data<T>(), data_or_null(b), pre.data<T>(), y.data<T>(), rows, in, out,
                                 compute_stream());
  });
}

void linear_gelu_backward(const Tensor& x, const Tensor& w, const Tensor& pre, const Tensor& dy, const Tensor& dx,
                          const Tensor& dw, const Tensor& db, std::int64_t rows, std::int64_t in, std::int64_t out) {
  with_storage_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::linear_gelu_backward<T>(x.data<T>(), w.data<T>(), pre.data<T>(), dy.data<T>(), data_or_null<T>(dx),
                                  data_or_null(dw), data_or_null(db), rows, in, out, compute_stream());
  });
}

}  // namespace vit::cuda_ops
