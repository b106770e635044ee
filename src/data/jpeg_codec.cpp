// JPEG through libjpeg-turbo. libjpeg reports errors by calling error_exit, which must not
// return: it longjmps back to the function that called setjmp, which then throws. Those
// functions keep no C++ object alive across the libjpeg calls, so the jump skips no destructor.
// A truncated file is only a warning to libjpeg (it pads with gray); we treat it as an error,
// as PIL does.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>

#include "data/codecs.h"
#include "vitcuda/runtime/check.h"

namespace vit::data::detail {

namespace {

struct ErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
  auto* manager = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, manager->message);
  std::longjmp(manager->jump, 1);
}

void on_message(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) on_error(cinfo);  // truncated
}

void install(ErrorManager& manager, jpeg_decompress_struct& cinfo) {
  cinfo.err = jpeg_std_error(&manager.base);
  manager.base.error_exit = on_error;
  manager.base.emit_message = on_message;
  manager.message[0] = '\0';
}

bool is_cmyk(const jpeg_decompress_struct& cinfo) {
  return cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
}

// CMYK (as libjpeg outputs it) to RGB with PIL's formula R = (255 - C)(255 - K) / 255. Adobe
// files store the channels inverted (255 - ink), which libjpeg passes through.
void cmyk_row_to_rgb(const std::uint8_t* cmyk, int width, bool inverted, std::uint8_t* rgb) {
  for (int x = 0; x < width; ++x, cmyk += 4, rgb += 3) {
    const int k = inverted ? cmyk[3] : 255 - cmyk[3];
    for (int c = 0; c < 3; ++c) {
      const int ink_free = inverted ? cmyk[c] : 255 - cmyk[c];
      const int product = ink_free * k + 128;
      rgb[c] = static_cast<std::uint8_t>((product + (product >> 8)) >> 8);  // / 255, rounded
    }
  }
}

// Smallest n in 1..8 such that the image scaled by n/8 keeps at least the requested size.
int dct_scale_numerator(int width, int height, const DecodeOptions& options) {
  for (int n = 1; n < 8; ++n) {
    const long w = (static_cast<long>(width) * n + 7) / 8, h = (static_cast<long>(height) * n + 7) / 8;
    if (w >= options.min_width && h >= options.min_height) return n;
  }
  return 8;
}

// Returns false with cinfo's message in manager.message on error.
bool decode(Bytes bytes, const DecodeOptions& options, Image& out, std::vector<std::uint8_t>& row,
            ErrorManager& manager, jpeg_decompress_struct& cinfo) {
  install(manager, cinfo);
  if (setjmp(manager.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  if (!dimensions_ok(static_cast<int>(cinfo.image_width), static_cast<int>(cinfo.image_height), options)) {
    std::snprintf(manager.message, sizeof manager.message, "%ux%u pixels is over the limit of %lld",
                  cinfo.image_width, cinfo.image_height, static_cast<long long>(options.max_pixels));
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  const bool cmyk = is_cmyk(cinfo);
  cinfo.out_color_space = cmyk ? JCS_CMYK : (options.channels == 1 ? JCS_GRAYSCALE : JCS_RGB);
  if (options.min_width > 0 || options.min_height > 0) {
    cinfo.scale_num = dct_scale_numerator(cinfo.image_width, cinfo.image_height, options);
    cinfo.scale_denom = 8;
  }
  jpeg_start_decompress(&cinfo);
  const int width = static_cast<int>(cinfo.output_width), height = static_cast<int>(cinfo.output_height);
  const int decoded_channels = cmyk ? 3 : options.channels;
  out.width = width;
  out.height = height;
  out.channels = decoded_channels;
  out.scale = static_cast<double>(cinfo.scale_num) / cinfo.scale_denom;
  out.pixels.resize(static_cast<std::size_t>(width) * height * decoded_channels);
  if (cmyk) row.resize(static_cast<std::size_t>(width) * 4);
  while (cinfo.output_scanline < cinfo.output_height) {
    std::uint8_t* target = out.pixels.data() + static_cast<std::size_t>(cinfo.output_scanline) * width * decoded_channels;
    JSAMPROW rows[1] = {cmyk ? row.data() : target};
    jpeg_read_scanlines(&cinfo, rows, 1);
    if (cmyk) cmyk_row_to_rgb(row.data(), width, cinfo.saw_Adobe_marker, target);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

bool probe(Bytes bytes, ImageInfo& info, ErrorManager& manager, jpeg_decompress_struct& cinfo) {
  install(manager, cinfo);
  if (setjmp(manager.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  info = {static_cast<int>(cinfo.image_width), static_cast<int>(cinfo.image_height), ImageFormat::jpeg};
  jpeg_destroy_decompress(&cinfo);
  return true;
}

bool encode(const Image& image, int quality, unsigned char** buffer, unsigned long* size,
            std::vector<std::uint8_t>& row, ErrorManager& manager, jpeg_compress_struct& cinfo) {
  cinfo.err = jpeg_std_error(&manager.base);
  manager.base.error_exit = on_error;
  if (setjmp(manager.jump)) {
    jpeg_destroy_compress(&cinfo);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, buffer, size);
  cinfo.image_width = static_cast<JDIMENSION>(image.width);
  cinfo.image_height = static_cast<JDIMENSION>(image.height);
  cinfo.input_components = image.channels;
  cinfo.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : image.channels == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  const std::size_t stride = static_cast<std::size_t>(image.width) * image.channels;
  row.resize(stride);
  while (cinfo.next_scanline < cinfo.image_height) {
    const std::uint8_t* source = image.pixels.data() + cinfo.next_scanline * stride;
    for (std::size_t i = 0; i < stride; ++i) row[i] = image.channels == 4 ? 255 - source[i] : source[i];
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

}  // namespace

ImageInfo probe_jpeg(Bytes bytes) {
  ErrorManager manager;
  jpeg_decompress_struct cinfo;
  ImageInfo info;
  VIT_CHECK(probe(bytes, info, manager, cinfo), "JPEG header is unreadable (", manager.message, ").");
  return info;
}

void decode_jpeg(Bytes bytes, const DecodeOptions& options, Image& out) {
  ErrorManager manager;
  jpeg_decompress_struct cinfo;
  std::vector<std::uint8_t> row;
  VIT_CHECK(decode(bytes, options, out, row, manager, cinfo), "JPEG data is corrupt (", manager.message, ").");
  if (out.channels != options.channels) rgb_to_luma(out);  // CMYK decodes to RGB first
}

}  // namespace vit::data::detail

namespace vit::data {

std::vector<std::uint8_t> encode_jpeg(const Image& image, int quality) {
  using namespace detail;
  VIT_CHECK(image.channels == 1 || image.channels == 3 || image.channels == 4,
            "encode_jpeg takes 1 (gray), 3 (RGB) or 4 (CMYK) channels, got ", image.channels, ".");
  VIT_CHECK(image.width > 0 && image.height > 0 && image.width <= 65500 && image.height <= 65500,
            "encode_jpeg: image size ", image.width, "x", image.height, " is outside 1..65500.");
  VIT_CHECK(image.pixels.size() == static_cast<std::size_t>(image.width) * image.height * image.channels,
            "encode_jpeg: the pixel buffer does not match ", image.width, "x", image.height, "x", image.channels, ".");
  ErrorManager manager;
  jpeg_compress_struct cinfo;
  std::vector<std::uint8_t> row;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const bool ok = encode(image, quality, &buffer, &size, row, manager, cinfo);
  std::vector<std::uint8_t> bytes;
  if (ok) bytes.assign(buffer, buffer + size);
  std::free(buffer);
  VIT_CHECK(ok, "JPEG encoding failed (", manager.message, ").");
  return bytes;
}

}  // namespace vit::data
