// Crop geometry of RandomResizedCrop and Resize + CenterCrop, following torchvision's code
// (Python's round() is round-half-even, hence std::nearbyint).
#include "vitcuda/data/transforms.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "data/random.h"
#include "vitcuda/runtime/check.h"

namespace vit::data {

namespace {

int round_half_even(double value) { return static_cast<int>(std::nearbyint(value)); }

CropPlan box(double x, double y, double width, double height) {
  return {x, y, width, height, x, y, x + width, y + height, false};
}

// torchvision.transforms.RandomResizedCrop.get_params: ten tries at a random area and aspect
// ratio, then a central crop with the ratio clamped into range.
CropPlan random_resized_crop(const TransformOptions& options, int width, int height,
                             detail::KeyedRandom& random) {
  const double area = static_cast<double>(width) * height;
  const double log_ratio_min = std::log(options.ratio_min), log_ratio_max = std::log(options.ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * random.uniform(options.scale_min, options.scale_max);
    const double aspect = std::exp(random.uniform(log_ratio_min, log_ratio_max));
    const int w = round_half_even(std::sqrt(target_area * aspect));
    const int h = round_half_even(std::sqrt(target_area / aspect));
    if (0 < w && w <= width && 0 < h && h <= height) {
      const int top = static_cast<int>(random.below(static_cast<std::uint32_t>(height - h + 1)));
      const int left = static_cast<int>(random.below(static_cast<std::uint32_t>(width - w + 1)));
      return box(left, top, w, h);
    }
  }
  const double in_ratio = static_cast<double>(width) / height;
  int w = width, h = height;
  if (in_ratio < options.ratio_min) {
    h = round_half_even(w / options.ratio_min);
  } else if (in_ratio > options.ratio_max) {
    w = round_half_even(h * options.ratio_max);
  }
  return box((width - w) / 2, (height - h) / 2, w, h);
}

// Resize(floor(size / crop_pct)) of the shorter side, then CenterCrop(size), expressed as the
// source region that lands in the crop; the filter may read the whole image.
CropPlan resize_center_crop(const TransformOptions& options, int width, int height) {
  // 64-bit sides: the long side of a very elongated image (70,000,000 x 1) passes 2^31.
  const auto short_side = static_cast<std::int64_t>(std::floor(options.size / options.crop_pct));
  const std::int64_t shorter = std::min(width, height), longer = std::max(width, height);
  const auto long_side = static_cast<std::int64_t>(static_cast<double>(short_side) * longer / shorter);
  const std::int64_t resized_w = width <= height ? short_side : long_side;
  const std::int64_t resized_h = width <= height ? long_side : short_side;
  const double top = std::nearbyint((resized_h - options.size) / 2.0);
  const double left = std::nearbyint((resized_w - options.size) / 2.0);
  const double sx = static_cast<double>(width) / static_cast<double>(resized_w);
  const double sy = static_cast<double>(height) / static_cast<double>(resized_h);
  CropPlan plan = box(left * sx, top * sy, options.size * sx, options.size * sy);
  plan.bound_x0 = plan.bound_y0 = 0;
  plan.bound_x1 = width;
  plan.bound_y1 = height;
  return plan;
}

void check_options(const TransformOptions& options) {
  VIT_CHECK(options.size > 0, "transform size must be positive, got ", options.size, ".");
  VIT_CHECK(0 < options.scale_min && options.scale_min <= options.scale_max && options.scale_max <= 1,
            "RandomResizedCrop scale must satisfy 0 < min <= max <= 1, got (", options.scale_min, ", ",
            options.scale_max, ").");
  VIT_CHECK(0 < options.ratio_min && options.ratio_min <= options.ratio_max,
            "RandomResizedCrop ratio must satisfy 0 < min <= max, got (", options.ratio_min, ", ",
            options.ratio_max, ").");
  VIT_CHECK(0 < options.crop_pct && options.crop_pct <= 1, "crop_pct must be in (0, 1], got ",
            options.crop_pct, ".");
}

}  // namespace

CropPlan plan_crop(const TransformOptions& options, int width, int height, std::uint64_t seed,
                   std::uint64_t epoch, std::uint64_t sample) {
  check_options(options);
  VIT_CHECK(width > 0 && height > 0, "cannot crop an empty ", width, "x", height, " image.");
  if (options.mode == TransformOptions::Mode::eval) return resize_center_crop(options, width, height);
  detail::KeyedRandom random(seed, detail::Stream::augment, sample, static_cast<std::uint32_t>(epoch));
  CropPlan plan = random_resized_crop(options, width, height, random);
  plan.flip = random.uniform() < options.hflip_prob;
  return plan;
}

CropPlan scale_plan(const CropPlan& plan, double scale) {
  return {plan.x * scale,        plan.y * scale,        plan.width * scale,    plan.height * scale,
          plan.bound_x0 * scale, plan.bound_y0 * scale, plan.bound_x1 * scale, plan.bound_y1 * scale, plan.flip};
}

}  // namespace vit::data
