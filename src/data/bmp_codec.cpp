// BMP through stb_image (Debian's libstb): 1- to 32-bit, RLE; decoded to 8-bit RGB.
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

}  // namespace

ImageInfo probe_bmp(Bytes bytes) {
  int width = 0, height = 0, channels = 0;
  VIT_CHECK(stbi_info_from_memory(bytes.data(), length(bytes), &width, &height, &channels) == 1,
            "BMP header is unreadable (", stbi_failure_reason(), ").");
  return {width, height, ImageFormat::bmp};
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
