#pragma once
// The per-image geometry of torchvision's transforms, done in one resampling pass:
//   train: RandomResizedCrop(size, scale, ratio) + RandomHorizontalFlip(p)
//   eval:  Resize(floor(size / crop_pct), shorter side) + CenterCrop(size)
// Resizing is antialiased bilinear with PIL's filter and fixed-point arithmetic
// (torchvision's Resize on PIL images), so results match it to within rounding.
// Output is planar (CHW): uint8, or float32 normalized as ToTensor + Normalize(mean, std).
#include <array>
#include <cstdint>
#include <vector>

#include "vitcuda/data/image.h"

namespace vit::data {

struct TransformOptions {
  enum class Mode { train, eval };
  Mode mode = Mode::train;
  int size = 224;  // output is size x size
  // train
  float scale_min = 0.08f, scale_max = 1.0f;  // fraction of the image area
  float ratio_min = 3.0f / 4.0f, ratio_max = 4.0f / 3.0f;  // crop width / height
  float hflip_prob = 0.5f;
  // eval
  float crop_pct = 0.875f;
};

struct Normalize {
  std::array<float, 3> mean{0.5f, 0.5f, 0.5f};  // timm's ViT defaults
  std::array<float, 3> std{0.5f, 0.5f, 0.5f};
};

// A region of the source image (in source pixels; may be fractional) to be resampled to the
// output size. `bounds` is where the filter may read: the crop itself in train mode (torchvision
// crops, then resizes), the whole image in eval mode (it resizes, then crops).
struct CropPlan {
  double x = 0, y = 0, width = 0, height = 0;
  double bound_x0 = 0, bound_y0 = 0, bound_x1 = 0, bound_y1 = 0;
  bool flip = false;
};

// The crop for one image. Random draws come from Philox keyed by (seed, epoch, sample), so a
// sample gets the same crop whatever thread computes it.
CropPlan plan_crop(const TransformOptions& options, int width, int height, std::uint64_t seed,
                   std::uint64_t epoch, std::uint64_t sample);

// The same plan for an image decoded at a smaller scale (Image::scale, DCT downscaling).
CropPlan scale_plan(const CropPlan& plan, double scale);

// Per-thread scratch space of `resample`, reused between images.
struct ResampleScratch {
  std::vector<std::int32_t> weights;
  std::vector<int> starts, counts;
  std::vector<std::uint8_t> rows;
  std::vector<std::int32_t> sums;
};

// Resamples plan's region of `image` into `out` (channels x size x size, planar).
void resample(const Image& image, const CropPlan& plan, int size, std::uint8_t* out,
              ResampleScratch& scratch);
// Same, writing (value / 255 - mean) / std as float32.
void resample(const Image& image, const CropPlan& plan, int size, const Normalize& normalize,
              float* out, ResampleScratch& scratch);

}  // namespace vit::data
