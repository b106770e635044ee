// Format detection by magic bytes, dispatch to the codecs, whole-file reads and writes.
#include "vitcuda/data/image.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "data/codecs.h"
#include "vitcuda/runtime/check.h"
#include "vitcuda/runtime/input_file.h"

namespace vit::data {

namespace {

ImageFormat detect_format(std::span<const std::uint8_t> bytes) {
  static const std::uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  VIT_CHECK(!bytes.empty(), "the file is empty.");
  if (bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff) return ImageFormat::jpeg;
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), png, 8) == 0) return ImageFormat::png;
  if (bytes.size() >= 2 && bytes[0] == 'B' && bytes[1] == 'M') return ImageFormat::bmp;
  VIT_FAIL("the file is not a JPEG, PNG or BMP image.");
}

void check_channels(const DecodeOptions& options) {
  VIT_CHECK(options.channels == 1 || options.channels == 3, "decode channels must be 1 or 3, got ",
            options.channels, ".");
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

namespace detail {

void rgb_to_luma(Image& image) {
  const std::size_t pixels = static_cast<std::size_t>(image.width) * image.height;
  std::uint8_t* data = image.pixels.data();
  for (std::size_t i = 0; i < pixels; ++i) data[i] = luma(data[3 * i], data[3 * i + 1], data[3 * i + 2]);
  image.pixels.resize(pixels);
  image.channels = 1;
}

}  // namespace detail

ImageInfo probe_image(std::span<const std::uint8_t> bytes) {
  switch (detect_format(bytes)) {
    case ImageFormat::jpeg: return detail::probe_jpeg(bytes);
    case ImageFormat::png: return detail::probe_png(bytes);
    case ImageFormat::bmp: return detail::probe_bmp(bytes);
  }
  VIT_FAIL("unknown image format.");
}

void decode_image(std::span<const std::uint8_t> bytes, const DecodeOptions& options, Image& out) {
  check_channels(options);
  switch (detect_format(bytes)) {
    case ImageFormat::jpeg: return detail::decode_jpeg(bytes, options, out);
    case ImageFormat::png: return detail::decode_png(bytes, options, out);
    case ImageFormat::bmp: return detail::decode_bmp(bytes, options, out);
  }
}

Image decode_image(std::span<const std::uint8_t> bytes, const DecodeOptions& options) {
  Image image;
  decode_image(bytes, options, image);
  return image;
}

void read_file(const std::filesystem::path& path, std::vector<std::uint8_t>& out) {
  const InputFile file(path, "image");
  file.check_size_at_most(kMaxImageFileBytes);
  out.resize(static_cast<std::size_t>(file.size()));
  file.read(out.data(), 0, file.size());
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::vector<std::uint8_t> bytes;
  read_file(path, bytes);
  return bytes;
}

void write_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
  VIT_CHECK(file != nullptr, "cannot create '", path.string(), "': ", std::strerror(errno), ".");
  VIT_CHECK(std::fwrite(bytes.data(), 1, bytes.size(), file.get()) == bytes.size() &&
                std::fflush(file.get()) == 0,
            "cannot write '", path.string(), "': ", std::strerror(errno), ".");
}

Image read_image(const std::filesystem::path& path, const DecodeOptions& options) {
  const std::vector<std::uint8_t> bytes = read_file(path);
  try {
    return decode_image(bytes, options);
  } catch (const Error& error) {
    VIT_FAIL("cannot decode '", path.string(), "': ", error.what());
  }
}

}  // namespace vit::data
