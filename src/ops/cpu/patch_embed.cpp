// CPU path of patch_embed's im2col.
#include "kernels/cpu/patch_embed.h"

#include "ops/cpu/ops_cpu.h"

namespace vit::cpu_ops {

void patch_im2col_forward(const Tensor& images, const Tensor& cols, const PatchGeometry& g, const Tensor& scale,
                          const Tensor& shift) {
  if (images.dtype() != DType::u8) {
    cpu::patch_im2col_forward(images.data<float>(), cols.data<float>(), g);
    return;
  }
  // u8: normalise into f32 images first (the loader's formula and bits), then the f32 im2col.
  const Tensor normalized = Tensor::empty(images.shape());
  const std::int64_t plane = g.height * g.width;
  const std::uint8_t* in = images.data<std::uint8_t>();
  float* out = normalized.data<float>();
  for (std::int64_t b = 0; b < g.batch; ++b) {
    for (std::int64_t c = 0; c < g.channels; ++c) {
      const float channel_scale = scale.data<float>()[c], channel_shift = shift.data<float>()[c];
      const std::int64_t offset = (b * g.channels + c) * plane;
      for (std::int64_t i = 0; i < plane; ++i) out[offset + i] = in[offset + i] * channel_scale + channel_shift;
    }
  }
  cpu::patch_im2col_forward(out, cols.data<float>(), g);
}

void patch_im2col_backward(const Tensor& dcols, const Tensor& dimages, const PatchGeometry& g) {
  cpu::patch_im2col_backward(dcols.data<float>(), dimages.data<float>(), g);
}

}  // namespace vit::cpu_ops
