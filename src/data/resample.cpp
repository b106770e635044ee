// Antialiased bilinear resampling of a region into a planar output, as PIL's ImagingResample:
// a triangle filter widened by the downscale factor, weights in 22-bit fixed point, a
// horizontal pass into 8-bit rows, then a vertical pass that writes planar u8 or normalized f32.
#include <algorithm>
#include <cmath>

#include "vitcuda/data/transforms.h"
#include "vitcuda/runtime/check.h"

namespace vit::data {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's choice for 8-bit images
constexpr std::int32_t kHalf = 1 << (kPrecisionBits - 1);

// The filter taps of one axis, stored in ResampleScratch: output pixel i reads counts[first + i]
// source pixels from starts[first + i], weighted by weights[weights_at + i * span + k].
struct Taps {
  int first = 0, count = 0;
  int span = 0;
  std::size_t weights_at = 0;
};

std::uint8_t clip8(std::int32_t accumulator) {
  return static_cast<std::uint8_t>(std::clamp(accumulator >> kPrecisionBits, 0, 255));
}

// PIL's precompute_coeffs for the bilinear filter, with taps clamped to [low, high).
// Appends `out` entries to scratch.starts/counts and `out * span` weights.
Taps compute_taps(double in0, double length, int out, int low, int high, ResampleScratch& scratch) {
  const double scale = length / out, filter_scale = std::max(scale, 1.0), support = filter_scale;
  Taps taps;
  taps.first = static_cast<int>(scratch.starts.size());
  taps.count = out;
  taps.span = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.weights_at = scratch.weights.size();
  scratch.weights.resize(taps.weights_at + static_cast<std::size_t>(out) * taps.span, 0);
  std::vector<double> raw(taps.span);
  for (int i = 0; i < out; ++i) {
    const double center = in0 + (i + 0.5) * scale;
    int start = std::max(static_cast<int>(center - support + 0.5), low);
    const int stop = std::min(static_cast<int>(center + support + 0.5), high);
    int count = std::min(stop - start, taps.span);
    double total = 0;
    for (int k = 0; k < count; ++k) {
      raw[k] = std::max(0.0, 1.0 - std::abs((start + k - center + 0.5) / filter_scale));
      total += raw[k];
    }
    if (total <= 0) {  // degenerate region: take the nearest pixel
      start = std::clamp(static_cast<int>(center), low, high - 1);
      count = 1;
      raw[0] = total = 1;
    }
    std::int32_t* weights = scratch.weights.data() + taps.weights_at + static_cast<std::size_t>(i) * taps.span;
    for (int k = 0; k < count; ++k) {
      weights[k] = static_cast<std::int32_t>(raw[k] / total * (1 << kPrecisionBits) + 0.5);
    }
    scratch.starts.push_back(start);
    scratch.counts.push_back(count);
  }
  return taps;
}

template <int C>
void horizontal_pass(const Image& image, int row0, int rows, const Taps& taps, const ResampleScratch& scratch,
                     std::uint8_t* out) {
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* source = image.pixels.data() + static_cast<std::size_t>(row0 + y) * image.width * C;
    std::uint8_t* target = out + static_cast<std::size_t>(y) * taps.count * C;
    for (int x = 0; x < taps.count; ++x) {
      const int start = scratch.starts[taps.first + x], count = scratch.counts[taps.first + x];
      const std::int32_t* weights = scratch.weights.data() + taps.weights_at + static_cast<std::size_t>(x) * taps.span;
      std::int32_t sum[C];
      for (int c = 0; c < C; ++c) sum[c] = kHalf;
      const std::uint8_t* pixel = source + static_cast<std::size_t>(start) * C;
      for (int k = 0; k < count; ++k) {
        for (int c = 0; c < C; ++c) sum[c] += pixel[k * C + c] * weights[k];
      }
      for (int c = 0; c < C; ++c) target[x * C + c] = clip8(sum[c]);
    }
  }
}

// Runs both passes; `write(channel, offset, value)` stores one output value (planar offset).
template <typename Write>
void resample_into(const Image& image, const CropPlan& plan, int size, ResampleScratch& scratch, Write write) {
  VIT_CHECK(image.channels == 1 || image.channels == 3, "resample takes 1 or 3 channels, got ",
            image.channels, ".");
  VIT_CHECK(size > 0 && plan.width > 0 && plan.height > 0, "resample needs a non-empty region and size.");
  auto bound = [](double low, double high, int extent) {
    const int lo = std::clamp(static_cast<int>(std::floor(low + 1e-9)), 0, extent - 1);
    return std::pair{lo, std::clamp(static_cast<int>(std::ceil(high - 1e-9)), lo + 1, extent)};
  };
  const auto [x_low, x_high] = bound(plan.bound_x0, plan.bound_x1, image.width);
  const auto [y_low, y_high] = bound(plan.bound_y0, plan.bound_y1, image.height);
  scratch.starts.clear();
  scratch.counts.clear();
  scratch.weights.clear();
  const Taps xt = compute_taps(plan.x, plan.width, size, x_low, x_high, scratch);
  const Taps yt = compute_taps(plan.y, plan.height, size, y_low, y_high, scratch);

  int row0 = y_high, row1 = y_low;  // rows the vertical pass reads
  for (int i = 0; i < size; ++i) {
    row0 = std::min(row0, scratch.starts[yt.first + i]);
    row1 = std::max(row1, scratch.starts[yt.first + i] + scratch.counts[yt.first + i]);
  }
  const int C = image.channels, row_width = size * C;
  scratch.rows.resize(static_cast<std::size_t>(row1 - row0) * row_width);
  if (C == 3) {
    horizontal_pass<3>(image, row0, row1 - row0, xt, scratch, scratch.rows.data());
  } else {
    horizontal_pass<1>(image, row0, row1 - row0, xt, scratch, scratch.rows.data());
  }

  std::vector<std::int32_t>& sums = scratch.sums;
  sums.resize(row_width);
  const std::size_t plane = static_cast<std::size_t>(size) * size;
  for (int y = 0; y < size; ++y) {
    const int start = scratch.starts[yt.first + y], count = scratch.counts[yt.first + y];
    const std::int32_t* weights = scratch.weights.data() + yt.weights_at + static_cast<std::size_t>(y) * yt.span;
    std::fill(sums.begin(), sums.end(), kHalf);
    for (int k = 0; k < count; ++k) {
      const std::uint8_t* row = scratch.rows.data() + static_cast<std::size_t>(start + k - row0) * row_width;
      const std::int32_t w = weights[k];
      for (int i = 0; i < row_width; ++i) sums[i] += row[i] * w;
    }
    for (int x = 0; x < size; ++x) {
      const std::size_t offset = static_cast<std::size_t>(y) * size + (plan.flip ? size - 1 - x : x);
      for (int c = 0; c < C; ++c) write(c, c * plane + offset, clip8(sums[x * C + c]));
    }
  }
}

}  // namespace

void resample(const Image& image, const CropPlan& plan, int size, std::uint8_t* out, ResampleScratch& scratch) {
  resample_into(image, plan, size, scratch,
                [out](int, std::size_t offset, std::uint8_t value) { out[offset] = value; });
}

void resample(const Image& image, const CropPlan& plan, int size, const Normalize& normalize, float* out,
              ResampleScratch& scratch) {
  float scale[3], bias[3];
  for (int c = 0; c < 3; ++c) {
    VIT_CHECK(normalize.std[c] > 0, "normalize std must be positive, got ", normalize.std[c], ".");
    scale[c] = 1.0f / (255.0f * normalize.std[c]);
    bias[c] = -normalize.mean[c] / normalize.std[c];
  }
  resample_into(image, plan, size, scratch, [&](int c, std::size_t offset, std::uint8_t value) {
    out[offset] = value * scale[c] + bias[c];
  });
}

}  // namespace vit::data
