#pragma once
// CPU reference im2col/col2im for non-overlapping P x P patches of NCHW images.
#include <cstdint>

#include "kernels/kernel_args.h"

namespace vit::cpu {

// images [B, C, H, W] -> cols [B * patches, C*P*P]; column index c*P*P + i*P + j matches a
// conv weight [D, C, P, P] flattened to [D, C*P*P].
void patch_im2col_forward(const float* images, float* cols, const PatchGeometry& g);

// Inverse scatter: cols gradient -> images gradient (patches do not overlap: plain writes).
void patch_im2col_backward(const float* dcols, float* dimages, const PatchGeometry& g);

}  // namespace vit::cpu
