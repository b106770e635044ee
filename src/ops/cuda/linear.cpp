// CUDA paths of linear and patch_embed: the gemm-backed linear kernels and the im2col kernels.
#include "kernels/cuda/linear.h"

#include "kernels/cuda/patch_embed.h"
#include "ops/cuda/compute_stream.h"
#include "ops/cuda/ops_cuda.h"
#include "ops/op_checks.h"

namespace vit::cuda_ops {

using detail::data_or_null;

void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& y, std::int64_t rows,
                    std::int64_t in, std::int64_t out) {
  cuda::linear_forward<float>(x.data<float>(), w.data<float>(), data_or_null(b), y.data<float>(), rows, in, out,
                              compute_stream());
}

void linear_backward(const Tensor& x, const Tensor& w, const Tensor& dy, const Tensor& dx, const Tensor& dw,
                     const Tensor& db, std::int64_t rows, std::int64_t in, std::int64_t out) {
  cuda::linear_backward<float>(x.data<float>(), w.data<float>(), dy.data<float>(), data_or_null(dx),
                               data_or_null(dw), data_or_null(db), rows, in, out, compute_stream());
}

void patch_im2col_forward(const Tensor& images, const Tensor& cols, const cpu::PatchGeometry& g) {
  cuda::patch_im2col_forward<float, float>(images.data<float>(), cols.data<float>(), g, nullptr, nullptr,
                                           compute_stream());
}

void patch_im2col_backward(const Tensor& dcols, const Tensor& dimages, const cpu::PatchGeometry& g) {
  cuda::patch_im2col_backward<float>(dcols.data<float>(), dimages.data<float>(), g, compute_stream());
}

}  // namespace vit::cuda_ops
