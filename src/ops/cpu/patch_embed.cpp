// CPU path of patch_embed's im2col.
#include "kernels/cpu/patch_embed.h"

#include "ops/cpu/ops_cpu.h"

namespace vit::cpu_ops {

void patch_im2col_forward(const Tensor& images, const Tensor& cols, const PatchGeometry& g) {
  cpu::patch_im2col_forward(images.data<float>(), cols.data<float>(), g);
}

void patch_im2col_backward(const Tensor& dcols, const Tensor& dimages, const PatchGeometry& g) {
  cpu::patch_im2col_backward(dcols.data<float>(), dimages.data<float>(), g);
}

}  // namespace vit::cpu_ops
