#pragma once
// CPU reference im2col/col2im for non-overlapping P x P patches of NCHW images.
#include <cstdint>

namespace vit::cpu {

struct PatchGeometry {
  std::int64_t batch, channels, height, width, patch;
  std::int64_t grid_h() const { return height / patch; }
  std::int64_t grid_w() const { return width / patch; }
  std::int64_t patches() const { return grid_h() * grid_w(); }
  std::int64_t patch_features() const { return channels * patch * patch; }
};

// images [B, C, H, W] -> cols [B * patches, C*P*P]; column index c*P*P + i*P + j matches a
// conv weight [D, C, P, P] flattened to [D, C*P*P].
void patch_im2col_forward(const float* images, float* cols, const PatchGeometry& g);

// Inverse scatter: cols gradient -> images gradient (patches do not overlap: plain writes).
void patch_im2col_backward(const float* dcols, float* dimages, const PatchGeometry& g);

}  // namespace vit::cpu
