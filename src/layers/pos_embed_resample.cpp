// Position-embedding resampling, matching PyTorch's F.interpolate(mode="bicubic",
// antialias=True, align_corners=False) that timm's resample_abs_pos_embed uses: a separable
// filter with the Keys cubic kernel (a = -0.5), widened by the scale when shrinking, with the taps
// clipped to the grid and the weights renormalised. The class token is copied unchanged.
#include <cmath>
#include <vector>

#include "vitcuda/layers/pretrained.h"

namespace vit {

namespace {

double cubic(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// weights[o][j] for output o over input index first[o] + j.
struct Taps {
  std::vector<std::int64_t> first;
  std::vector<std::vector<double>> weights;
};

Taps antialiased_cubic_taps(std::int64_t in_size, std::int64_t out_size) {
  const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
  const double support = scale >= 1.0 ? 2.0 * scale : 2.0;
  const double inv_scale = scale >= 1.0 ? 1.0 / scale : 1.0;
  Taps taps;
  for (std::int64_t o = 0; o < out_size; ++o) {
    const double center = scale * (static_cast<double>(o) + 0.5);
    const auto lo = std::max<std::int64_t>(static_cast<std::int64_t>(center - support + 0.5), 0);
    const auto hi = std::min<std::int64_t>(static_cast<std::int64_t>(center + support + 0.5), in_size);
    std::vector<double> w;
    double total = 0.0;
    for (std::int64_t i = lo; i < hi; ++i) {
      w.push_back(cubic((static_cast<double>(i) - center + 0.5) * inv_scale));
      total += w.back();
    }
    for (double& value : w) value /= total;
    taps.first.push_back(lo);
    taps.weights.push_back(std::move(w));
  }
  return taps;
}

}  // namespace

Tensor resample_pos_embed(const Tensor& pos, int new_h, int new_w, int prefix_tokens) {
  VIT_CHECK(pos.ndim() == 3 && pos.size(0) == 1 && pos.dtype() == DType::f32,
            "pos_embed must be f32 [1, tokens, dim], got ", shape_str(pos.shape()), ".");
  const std::int64_t dim = pos.size(2), old_tokens = pos.size(1) - prefix_tokens;
  const auto old_side = static_cast<std::int64_t>(std::lround(std::sqrt(static_cast<double>(old_tokens))));
  VIT_CHECK(old_tokens > 0 && old_side * old_side == old_tokens, "pos_embed has ", old_tokens,
            " patch tokens, which is not a square grid.");
  VIT_CHECK(new_h > 0 && new_w > 0, "cannot resample pos_embed to a ", new_h, "x", new_w, " grid.");

  const Taps rows = antialiased_cubic_taps(old_side, new_h), cols = antialiased_cubic_taps(old_side, new_w);
  const float* in = pos.data<float>();
  Tensor out = Tensor::empty({1, prefix_tokens + static_cast<std::int64_t>(new_h) * new_w, dim});
  float* o = out.data<float>();
  std::copy_n(in, prefix_tokens * dim, o);
  const float* grid = in + prefix_tokens * dim;  // [old_side, old_side, dim]
  std::vector<double> accumulated(dim);
  for (int y = 0; y < new_h; ++y) {
    for (int x = 0; x < new_w; ++x) {
      std::fill(accumulated.begin(), accumulated.end(), 0.0);
      for (std::size_t r = 0; r < rows.weights[y].size(); ++r) {
        for (std::size_t c = 0; c < cols.weights[x].size(); ++c) {
          const double w = rows.weights[y][r] * cols.weights[x][c];
          const float* source = grid + ((rows.first[y] + r) * old_side + cols.first[x] + c) * dim;
          for (std::int64_t d = 0; d < dim; ++d) accumulated[d] += w * source[d];
        }
      }
      float* target = o + (prefix_tokens + static_cast<std::int64_t>(y) * new_w + x) * dim;
      for (std::int64_t d = 0; d < dim; ++d) target[d] = static_cast<float>(accumulated[d]);
    }
  }
  return out;
}

}  // namespace vit
