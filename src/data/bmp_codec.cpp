// BMP through stb_image (Debian's libstb): 1- to 32-bit, RLE; decoded to 8-bit RGB. Checked
// here first, as PIL does: an uncompressed bitmap must hold every row its header declares (stb
// fills missing rows with zeros), and a negative height is a top-down bitmap, not an error.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <stb/stb_image.h>

#include "data/codecs.h"
#include "vitcuda/runtime/check.h"

namespace vit::data::detail {

namespace {

int length(Bytes bytes) {
  VIT_CHECK(bytes.size() < (1u << 31), "BMP file of ", bytes.size(), " bytes is too large.");
  return static_cast<int>(bytes.size());
}

std::uint32_t le32(Bytes bytes, std::size_t at) {
  return static_cast<std::uint32_t>(bytes[at]) | static_cast<std::uint32_t>(bytes[at + 1]) << 8 |
         static_cast<std::uint32_t>(bytes[at + 2]) << 16 | static_cast<std::uint32_t>(bytes[at + 3]) << 24;
}

// Throws unless an uncompressed bitmap (BI_RGB or BI_BITFIELDS, header of 40 bytes or more)
// holds all its rows; RLE and OS/2 bitmaps are left to stb.
void check_complete(Bytes bytes) {
  VIT_CHECK(bytes.size() >= 34, "BMP header is truncated (", bytes.size(), " bytes).");
  const std::uint32_t data_offset = le32(bytes, 10), header_bytes = le32(bytes, 14), compression = le32(bytes, 30);
  if (header_bytes < 40 || (compression != 0 && compression != 3)) return;
  const std::int64_t width = static_cast<std::int32_t>(le32(bytes, 18));
  const std::int64_t height = static_cast<std::int32_t>(le32(bytes, 22));
  const std::uint64_t bits = static_cast<std::uint64_t>(bytes[28]) | static_cast<std::uint64_t>(bytes[29]) << 8;
  const std::uint64_t row_bytes = (bits * static_cast<std::uint64_t>(std::llabs(width)) + 31) / 32 * 4;
  const std::uint64_t needed = data_offset + row_bytes * static_cast<std::uint64_t>(std::llabs(height));
  VIT_CHECK(needed <= bytes.size(), "BMP is truncated: its ", std::llabs(width), "x", std::llabs(height), " pixels at ",
            bits, " bits need ", needed, " bytes, the file has ", bytes.size(), ".");
}

}  // namespace

ImageInfo probe_bmp(Bytes bytes) {
  int width = 0, height = 0, channels = 0;
  VIT_CHECK(stbi_info_from_memory(bytes.data(), length(bytes), &width, &height, &channels) == 1,
            "BMP header is unreadable (", stbi_failure_reason(), ").");
  VIT_CHECK(height != INT32_MIN, "BMP header has an impossible height.");
  check_complete(bytes);
  return {width, std::abs(height), ImageFormat::bmp};  // stb reports a top-down bitmap's height negative
}

void decode_bmp(Bytes bytes, const DecodeOptions& options, Image& out) {
  const ImageInfo info = probe_bmp(bytes);
  VIT_CHECK(dimensions_ok(info.width, info.height, options), "BMP of ", info.width, "x",
            info.height, " pixels is over the limit of ", options.max_pixels, ".");
  int width = 0, height = 0, channels = 0;
  stbi_uc* pixels = stbi_load_from_memory(bytes.data(), length(bytes), &width, &height, &channels, 3);
  VIT_CHECK(pixels != nullptr, "BMP data is corrupt (", stbi_failure_reason(), ").");
  out.width = width;
  out.height = height;
  out.channels = 3;
  out.scale = 1.0;
  out.pixels.assign(pixels, pixels + static_cast<std::size_t>(width) * height * 3);
  stbi_image_free(pixels);
  if (options.channels == 1) rgb_to_luma(out);
}

}  // namespace vit::data::detail
