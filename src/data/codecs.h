#pragma once
// One decoder per format, called by image.cpp once it has recognised the file's magic bytes.
// Each writes 8-bit pixels with options.channels (1 or 3) channels into `out`, or throws.
#include <cstdint>
#include <span>

#include "vitcuda/data/image.h"

namespace vit::data::detail {

using Bytes = std::span<const std::uint8_t>;

ImageInfo probe_jpeg(Bytes bytes);
void decode_jpeg(Bytes bytes, const DecodeOptions& options, Image& out);
ImageInfo probe_png(Bytes bytes);
void decode_png(Bytes bytes, const DecodeOptions& options, Image& out);
ImageInfo probe_bmp(Bytes bytes);
void decode_bmp(Bytes bytes, const DecodeOptions& options, Image& out);

// PIL's convert("L") weights (ITU-R 601-2 luma) in 16-bit fixed point; exact for gray inputs.
inline std::uint8_t luma(std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  return static_cast<std::uint8_t>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}

// Reduces interleaved RGB pixels to luma in place.
void rgb_to_luma(Image& image);

inline bool dimensions_ok(int width, int height, const DecodeOptions& options) {
  return width > 0 && height > 0 && static_cast<std::int64_t>(width) * height <= options.max_pixels;
}

}  // namespace vit::data::detail
