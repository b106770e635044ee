#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// Non-overlapping patch embedding (a stride-P convolution) as im2col + matrix product:
// images [B, C, H, W] f32, weight [D, C, P, P], bias [D] -> tokens [B, (H/P)*(W/P), D],
// patches in row-major order of the patch grid (like timm's PatchEmbed with flatten).
// tokens_dtype bf16 (cuda only) gives bf16 tokens for autocast: the patches and a copy of the
// weight are rounded to bf16, the products accumulate in f32; the parameter gradients stay f32.
//
// u8 images are normalised as they are read: pixel v of channel c becomes v * scale[c] + shift[c],
// the loader's normalisation with scale = 1 / (255 std), shift = -mean / std (the same bits), so
// a batch crosses to the device as a quarter of the bytes of f32 images. They take no gradient.
struct PixelNormalization {
  Tensor scale, shift;  // f32 [C] on the images' device
};
Tensor patch_embed(const Tensor& images, const Tensor& weight, const Tensor& bias, Tape& tape,
                   DType tokens_dtype = DType::f32, const PixelNormalization& pixels = {});

}  // namespace vit
