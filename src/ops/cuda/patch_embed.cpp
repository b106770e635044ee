// CUDA path of patch_embed's im2col: f32 images, or u8 ones normalised on the fly, to columns of
// the activations' dtype (f32 or bf16), and the f32 images' gradient back.
#include "kernels/cuda/patch_embed.h"

#include "ops/cuda/ops_cuda.h"
#include "ops/cuda/storage_type.h"
#include "runtime/cuda/compute_stream.h"

namespace vit::cuda_ops {

using cuda::compute_stream;

void patch_im2col_forward(const Tensor& images, const Tensor& cols, const PatchGeometry& g, const Tensor& scale,
                          const Tensor& shift) {
  with_storage_type(cols.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (images.dtype() == DType::u8) {
      cuda::patch_im2col_forward<std::uint8_t, T>(images.data<std::uint8_t>(), cols.data<T>(), g, scale.data<float>(),
                                                  shift.data<float>(), compute_stream());
    } else {
      cuda::patch_im2col_forward<float, T>(images.data<float>(), cols.data<T>(), g, nullptr, nullptr, compute_stream());
    }
  });
}

void patch_im2col_backward(const Tensor& dcols, const Tensor& dimages, const PatchGeometry& g) {
  with_storage_type(dcols.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::patch_im2col_backward<T>(dcols.data<T>(), dimages.data<float>(), g, compute_stream());
  });
}

}  // namespace vit::cuda_ops
