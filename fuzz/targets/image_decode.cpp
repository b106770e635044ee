// One image decoder, chosen at compile time (VIT_FUZZ_FORMAT: jpeg, png or bmp), as the data
// loader calls it: the header probe, then decodes to RGB and to luma, and for JPEG a DCT-scaled
// decode. Properties of an accepted image: the decode has the probed size (or, scaled, at least
// the size asked for), one byte per pixel and channel.
#include <cstdint>
#include <span>

#include "data/codecs.h"
#include "fuzz_target.h"

namespace {

using namespace vit::data;

#define VIT_FUZZ_CONCAT2(a, b) a##b
#define VIT_FUZZ_CONCAT(a, b) VIT_FUZZ_CONCAT2(a, b)
constexpr auto probe = detail::VIT_FUZZ_CONCAT(probe_, VIT_FUZZ_FORMAT);
constexpr auto decode = detail::VIT_FUZZ_CONCAT(decode_, VIT_FUZZ_FORMAT);

// Small enough to keep each run fast; the limit itself is part of what is tested.
constexpr std::int64_t kMaxPixels = std::int64_t{1} << 20;

void check_shape(const Image& image, int channels) {
  FUZZ_EXPECT(image.width > 0 && image.height > 0 && image.channels == channels);
  FUZZ_EXPECT(static_cast<std::int64_t>(image.width) * image.height <= kMaxPixels);
  FUZZ_EXPECT(image.pixels.size() == static_cast<std::size_t>(image.width) * image.height * channels);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  ImageInfo info;
  const bool probed = vit::fuzz::accepted([&] { info = probe(bytes); });
  for (const int channels : {3, 1}) {
    Image image;
    const DecodeOptions options{.channels = channels, .max_pixels = kMaxPixels};
    if (!vit::fuzz::accepted([&] { decode(bytes, options, image); })) continue;
    check_shape(image, channels);
    FUZZ_EXPECT(probed && image.width == info.width && image.height == info.height && image.scale == 1.0);
  }
  if (probed && info.width > 1 && info.height > 1) {
    Image image;
    const DecodeOptions scaled{.min_width = info.width / 3, .min_height = info.height / 3, .max_pixels = kMaxPixels};
    if (vit::fuzz::accepted([&] { decode(bytes, scaled, image); })) {
      check_shape(image, 3);
      FUZZ_EXPECT(image.width >= scaled.min_width && image.height >= scaled.min_height);
      FUZZ_EXPECT(image.width <= info.width && image.height <= info.height && image.scale <= 1.0);
    }
  }
  return 0;
}
