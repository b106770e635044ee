// CPU reference patch extraction. Each image element is read once and written once into the
// column matrix (forward), or the reverse (backward); the matrix product is linear_forward.
#include "kernels/cpu/patch_embed.h"

#include <algorithm>

namespace vit::cpu {

namespace {

// Calls copy_row(image_offset, col_offset) for each row of P contiguous pixels of every patch.
template <typename CopyRow>
void for_each_patch_row(const PatchGeometry& g, CopyRow copy_row) {
  const std::int64_t p = g.patch, gh = g.grid_h(), gw = g.grid_w();
#pragma omp parallel for collapse(2)
  for (std::int64_t b = 0; b < g.batch; ++b) {
    for (std::int64_t py = 0; py < gh; ++py) {
      for (std::int64_t px = 0; px < gw; ++px) {
        const std::int64_t col_row = (b * gh + py) * gw + px;
        for (std::int64_t c = 0; c < g.channels; ++c) {
          for (std::int64_t i = 0; i < p; ++i) {
            const std::int64_t image_offset = ((b * g.channels + c) * g.height + py * p + i) * g.width + px * p;
            const std::int64_t col_offset = col_row * g.patch_features() + (c * p + i) * p;
            copy_row(image_offset, col_offset);
          }
        }
      }
    }
  }
}

}  // namespace

void patch_im2col_forward(const float* images, float* cols, const PatchGeometry& g) {
  for_each_patch_row(g, [&](std::int64_t image_offset, std::int64_t col_offset) {
    std::copy_n(images + image_offset, g.patch, cols + col_offset);
  });
}

void patch_im2col_backward(const float* dcols, float* dimages, const PatchGeometry& g) {
  // Every pixel inside the patch grid is written; pixels outside it (none, since H and W are
  // multiples of P) would need zeroing.
  for_each_patch_row(g, [&](std::int64_t image_offset, std::int64_t col_offset) {
    std::copy_n(dcols + col_offset, g.patch, dimages + image_offset);
  });
}

}  // namespace vit::cpu
