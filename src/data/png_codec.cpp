// PNG through libspng: every colour type and bit depth decoded to 8-bit RGB (palette expanded,
// 16-bit scaled, alpha and tRNS ignored as PIL's convert("RGB") does). CRC errors and
// truncation are errors.
#include <cstdlib>
#include <memory>
#include <vector>

#include <spng.h>

#include "data/codecs.h"
#include "vitcuda/runtime/check.h"

namespace vit::data::detail {

namespace {

struct ContextDeleter {
  void operator()(spng_ctx* ctx) const { spng_ctx_free(ctx); }
};
using Context = std::unique_ptr<spng_ctx, ContextDeleter>;

constexpr std::size_t kChunkLimit = 64u << 20;  // text/metadata chunks larger than this are refused

Context open(Bytes bytes, spng_ihdr& header) {
  Context ctx(spng_ctx_new(0));
  VIT_CHECK(ctx != nullptr, "out of memory creating a PNG decoder.");
  spng_set_chunk_limits(ctx.get(), kChunkLimit, kChunkLimit);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  spng_set_crc_action(ctx.get(), SPNG_CRC_USE, SPNG_CRC_USE);  // fuzz builds only: lets mutations past the CRCs
#endif
  int error = spng_set_png_buffer(ctx.get(), bytes.data(), bytes.size());
  if (error == 0) error = spng_get_ihdr(ctx.get(), &header);
  VIT_CHECK(error == 0, "PNG header is unreadable (", spng_strerror(error), ").");
  return ctx;
}

}  // namespace

ImageInfo probe_png(Bytes bytes) {
  spng_ihdr header{};
  open(bytes, header);
  return {static_cast<int>(header.width), static_cast<int>(header.height), ImageFormat::png};
}

void decode_png(Bytes bytes, const DecodeOptions& options, Image& out) {
  spng_ihdr header{};
  Context ctx = open(bytes, header);
  const int width = static_cast<int>(header.width), height = static_cast<int>(header.height);
  VIT_CHECK(dimensions_ok(width, height, options), "PNG of ", header.width, "x", header.height,
            " pixels is over the limit of ", options.max_pixels, ".");
  std::size_t size = 0;
  int error = spng_decoded_image_size(ctx.get(), SPNG_FMT_RGB8, &size);
  if (error == 0) {
    out.pixels.resize(size);
    error = spng_decode_image(ctx.get(), out.pixels.data(), size, SPNG_FMT_RGB8, 0);
  }
  VIT_CHECK(error == 0, "PNG data is corrupt (", spng_strerror(error), ").");
  out.width = width;
  out.height = height;
  out.channels = 3;
  out.scale = 1.0;
  if (options.channels == 1) rgb_to_luma(out);
}

}  // namespace vit::data::detail

namespace vit::data {

std::vector<std::uint8_t> encode_png(const Image& image) {
  static const std::uint8_t color_types[] = {SPNG_COLOR_TYPE_GRAYSCALE, SPNG_COLOR_TYPE_GRAYSCALE_ALPHA,
                                             SPNG_COLOR_TYPE_TRUECOLOR, SPNG_COLOR_TYPE_TRUECOLOR_ALPHA};
  VIT_CHECK(image.channels >= 1 && image.channels <= 4, "encode_png takes 1 to 4 channels, got ",
            image.channels, ".");
  VIT_CHECK(image.width > 0 && image.height > 0, "encode_png: image size ", image.width, "x",
            image.height, " is empty.");
  VIT_CHECK(image.pixels.size() == static_cast<std::size_t>(image.width) * image.height * image.channels,
            "encode_png: the pixel buffer does not match ", image.width, "x", image.height, "x",
            image.channels, ".");
  detail::Context ctx(spng_ctx_new(SPNG_CTX_ENCODER));
  VIT_CHECK(ctx != nullptr, "out of memory creating a PNG encoder.");
  spng_ihdr header{};
  header.width = static_cast<std::uint32_t>(image.width);
  header.height = static_cast<std::uint32_t>(image.height);
  header.bit_depth = 8;
  header.color_type = color_types[image.channels - 1];
  int error = spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
  if (error == 0) error = spng_set_ihdr(ctx.get(), &header);
  if (error == 0) {
    error = spng_encode_image(ctx.get(), image.pixels.data(), image.pixels.size(), SPNG_FMT_PNG,
                              SPNG_ENCODE_FINALIZE);
  }
  VIT_CHECK(error == 0, "PNG encoding failed (", spng_strerror(error), ").");
  std::size_t size = 0;
  void* buffer = spng_get_png_buffer(ctx.get(), &size, &error);
  VIT_CHECK(buffer != nullptr, "PNG encoding failed (", spng_strerror(error), ").");
  const auto* begin = static_cast<const std::uint8_t*>(buffer);
  std::vector<std::uint8_t> bytes(begin, begin + size);
  std::free(buffer);
  return bytes;
}

}  // namespace vit::data
