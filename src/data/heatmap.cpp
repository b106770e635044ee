#include "vitcuda/data/heatmap.h"

#include <algorithm>
#include <cmath>

#include "vitcuda/runtime/check.h"

namespace vit::data {

namespace {

// A blue-to-red colour for v in [0, 1] (the "jet" map).
void jet(float v, std::uint8_t* rgb) {
  auto channel = [](float x) { return static_cast<std::uint8_t>(255.0f * std::clamp(1.5f - std::abs(x), 0.0f, 1.0f)); };
  rgb[0] = channel(4.0f * v - 3.0f);
  rgb[1] = channel(4.0f * v - 2.0f);
  rgb[2] = channel(4.0f * v - 1.0f);
}

}  // namespace

Image heatmap_overlay(const Tensor& map, const Tensor& pixels_u8, int min_size) {
  VIT_CHECK(map.ndim() == 2 && map.size(0) == map.size(1) && map.size(0) > 0 && map.dtype() == DType::f32,
            "heatmap_overlay: the map must be a square [g, g] f32 tensor, got ", shape_str(map.shape()), ".");
  VIT_CHECK(pixels_u8.ndim() == 4 && pixels_u8.size(0) == 1 && (pixels_u8.size(1) == 1 || pixels_u8.size(1) == 3) &&
                pixels_u8.size(2) == pixels_u8.size(3) && pixels_u8.size(2) > 0 && pixels_u8.dtype() == DType::u8,
            "heatmap_overlay: the image must be one square u8 image [1, 1 or 3, S, S], got ",
            shape_str(pixels_u8.shape()), ".");
  const int grid = static_cast<int>(map.size(0)), channels = static_cast<int>(pixels_u8.size(1));
  const int size = static_cast<int>(pixels_u8.size(2)), zoom = std::max(1, (min_size + size - 1) / size);
  const int out_size = size * zoom;
  Image out;
  out.width = out.height = out_size;
  out.channels = 3;
  out.pixels.resize(static_cast<std::size_t>(out_size) * out_size * 3);
  const float* m = map.data<float>();
  const std::uint8_t* image = pixels_u8.data<std::uint8_t>();
  for (int y = 0; y < out_size; ++y) {
    for (int x = 0; x < out_size; ++x) {
      const float gy = std::clamp((y + 0.5f) * grid / out_size - 0.5f, 0.0f, grid - 1.0f);
      const float gx = std::clamp((x + 0.5f) * grid / out_size - 0.5f, 0.0f, grid - 1.0f);
      const int y0 = static_cast<int>(gy), x0 = static_cast<int>(gx);
      const int y1 = std::min(y0 + 1, grid - 1), x1 = std::min(x0 + 1, grid - 1);
      const float fy = gy - y0, fx = gx - x0;
      const float v = (1 - fy) * ((1 - fx) * m[y0 * grid + x0] + fx * m[y0 * grid + x1]) +
                      fy * ((1 - fx) * m[y1 * grid + x0] + fx * m[y1 * grid + x1]);
      std::uint8_t colour[3];
      jet(v, colour);
      for (int c = 0; c < 3; ++c) {
        const std::size_t source = (static_cast<std::size_t>(c % channels) * size + y / zoom) * size + x / zoom;
        out.pixels[(static_cast<std::size_t>(y) * out_size + x) * 3 + c] =
            static_cast<std::uint8_t>((image[source] + colour[c]) / 2);
      }
    }
  }
  return out;
}

}  // namespace vit::data
