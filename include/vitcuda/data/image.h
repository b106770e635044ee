#pragma once
// Images in memory and the codecs: JPEG (libjpeg-turbo, with DCT-domain downscaling), PNG
// (libspng) and BMP (stb_image). The format is found from the file's first bytes, not its name.
// Every decoder converts to 8-bit RGB (or luma): grayscale is replicated, alpha dropped (as PIL's
// convert("RGB") does), CMYK and palette expanded, 16-bit scaled to 8. A truncated, corrupt or
// unknown file throws vit::Error; it never crashes.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <new>
#include <span>
#include <utility>
#include <vector>

namespace vit::data {

enum class ImageFormat { jpeg, png, bmp };

struct ImageInfo {
  int width = 0, height = 0;
  ImageFormat format = ImageFormat::jpeg;
};

// A byte vector whose resize() does not zero-fill: decoders write every pixel anyway, and the
// pages a corrupt file's data never reaches are never touched, so a bogus header declaring a
// huge image costs address space, not memory.
template <typename T>
struct NoInitAllocator : std::allocator<T> {
  template <typename U> struct rebind { using other = NoInitAllocator<U>; };
  template <typename U> void construct(U* p) noexcept { ::new (static_cast<void*>(p)) U; }
  template <typename U, typename... Args> void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using Pixels = std::vector<std::uint8_t, NoInitAllocator<std::uint8_t>>;

// 8-bit pixels, rows top to bottom, channels interleaved (HWC).
struct Image {
  int width = 0, height = 0, channels = 0;
  Pixels pixels;
  // Decoded size / source size: n/8 after JPEG DCT scaling, else 1. Not width / source width,
  // which is rounded up to whole pixels.
  double scale = 1.0;
};

struct DecodeOptions {
  int channels = 3;  // 3: RGB, 1: luma (ITU-R 601, as PIL's convert("L"))
  // JPEG only: decode at the smallest DCT scale (n/8, n = 1..8) that keeps the image at least
  // this large; 0 decodes at full size. Other formats always decode at full size.
  int min_width = 0, min_height = 0;
  // Larger images are refused (PIL's decompression-bomb limit), so a hostile header cannot
  // make a worker allocate gigabytes.
  std::int64_t max_pixels = 178'956'970;
};

// Reads only the header.
ImageInfo probe_image(std::span<const std::uint8_t> bytes);
// Decodes into `out`, reusing its buffer.
void decode_image(std::span<const std::uint8_t> bytes, const DecodeOptions& options, Image& out);
Image decode_image(std::span<const std::uint8_t> bytes, const DecodeOptions& options = {});

// Encoders, for tools and tests. PNG: 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels.
// JPEG: 1 (gray), 3 (RGB) or 4 (CMYK ink, 0 = none, stored inverted with an Adobe marker as
// Photoshop does).
std::vector<std::uint8_t> encode_png(const Image& image);
std::vector<std::uint8_t> encode_jpeg(const Image& image, int quality = 90);

// Whole-file helpers; `read_file` reuses `out`'s buffer. It reads regular files of at most
// kMaxImageFileBytes only (a FIFO, a device or a huge file is an error, not a hang or an
// out-of-memory).
inline constexpr std::uint64_t kMaxImageFileBytes = std::uint64_t{1} << 30;
void read_file(const std::filesystem::path& path, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);
Image read_image(const std::filesystem::path& path, const DecodeOptions& options = {});

}  // namespace vit::data
