#pragma once
// Helpers of the data-pipeline tests: a scratch folder that cleans up after itself, synthetic
// images, and writers for the file kinds the library does not encode itself (16-bit and palette
// PNG, BMP, CMYK JPEG goes through encode_jpeg).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "vitcuda/data/image.h"

namespace vit::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Smooth colour ramps (JPEG-friendly): R along x, G along y, B from the seed.
data::Image ramp_image(int width, int height, int channels, int seed = 0);
data::Image solid_image(int width, int height, std::vector<std::uint8_t> value);

void write_jpeg(const std::filesystem::path& path, const data::Image& image, int quality = 95);
void write_png(const std::filesystem::path& path, const data::Image& image);
// 16-bit PNG, gray (channels 1) or RGB (channels 3), samples in host order.
void write_png16(const std::filesystem::path& path, int width, int height, int channels,
                 const std::vector<std::uint16_t>& samples);
// Palette PNG (8-bit indices).
void write_palette_png(const std::filesystem::path& path, int width, int height,
                       const std::vector<std::array<std::uint8_t, 3>>& palette,
                       const std::vector<std::uint8_t>& indices);
// 24-bit BMP from an RGB image; top_down stores the rows first to last with a negative height.
void write_bmp(const std::filesystem::path& path, const data::Image& image, bool top_down = false);
void write_text(const std::filesystem::path& path, const std::string& text);

// Largest absolute difference between two images of the same shape.
int max_difference(const data::Image& a, const data::Image& b);

}  // namespace vit::test
