// Helpers of the data-pipeline tests (see data_fixtures.h).
#include "data_fixtures.h"

#include <spng.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "vitcuda/runtime/check.h"

namespace vit::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() /
          ("vitcuda_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

data::Image ramp_image(int width, int height, int channels, int seed) {
  data::Image image{width, height, channels, {}};
  image.pixels.resize(static_cast<std::size_t>(width) * height * channels);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const int values[4] = {x * 255 / std::max(width - 1, 1), y * 255 / std::max(height - 1, 1),
                             (seed * 40) % 256, 255 - (seed * 30) % 256};
      for (int c = 0; c < channels; ++c) {
        image.pixels[(static_cast<std::size_t>(y) * width + x) * channels + c] = static_cast<std::uint8_t>(values[c]);
      }
    }
  }
  return image;
}

data::Image solid_image(int width, int height, std::vector<std::uint8_t> value) {
  data::Image image{width, height, static_cast<int>(value.size()), {}};
  for (int i = 0; i < width * height; ++i) image.pixels.insert(image.pixels.end(), value.begin(), value.end());
  return image;
}

void write_jpeg(const fs::path& path, const data::Image& image, int quality) {
  data::write_file(path, data::encode_jpeg(image, quality));
}

void write_png(const fs::path& path, const data::Image& image) { data::write_file(path, data::encode_png(image)); }

namespace {

void encode_raw_png(const fs::path& path, spng_ihdr header, const spng_plte* palette, const void* data,
                    std::size_t bytes) {
  spng_ctx* ctx = spng_ctx_new(SPNG_CTX_ENCODER);
  int error = spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
  if (!error) error = spng_set_ihdr(ctx, &header);
  if (!error && palette) error = spng_set_plte(ctx, const_cast<spng_plte*>(palette));
  if (!error) error = spng_encode_image(ctx, data, bytes, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
  std::size_t size = 0;
  void* buffer = error ? nullptr : spng_get_png_buffer(ctx, &size, &error);
  spng_ctx_free(ctx);
  VIT_CHECK(buffer != nullptr, "test PNG encoding failed: ", spng_strerror(error));
  data::write_file(path, {static_cast<const std::uint8_t*>(buffer), size});
  std::free(buffer);
}

}  // namespace

void write_png16(const fs::path& path, int width, int height, int channels, const std::vector<std::uint16_t>& samples) {
  spng_ihdr header{};
  header.width = width;
  header.height = height;
  header.bit_depth = 16;
  header.color_type = channels == 1 ? SPNG_COLOR_TYPE_GRAYSCALE : SPNG_COLOR_TYPE_TRUECOLOR;
  encode_raw_png(path, header, nullptr, samples.data(), samples.size() * 2);
}

void write_palette_png(const fs::path& path, int width, int height,
                       const std::vector<std::array<std::uint8_t, 3>>& palette,
                       const std::vector<std::uint8_t>& indices) {
  spng_ihdr header{};
  header.width = width;
  header.height = height;
  header.bit_depth = 8;
  header.color_type = SPNG_COLOR_TYPE_INDEXED;
  spng_plte plte{};
  plte.n_entries = static_cast<std::uint32_t>(palette.size());
  for (std::size_t i = 0; i < palette.size(); ++i) {
    plte.entries[i].red = palette[i][0];
    plte.entries[i].green = palette[i][1];
    plte.entries[i].blue = palette[i][2];
  }
  encode_raw_png(path, header, &plte, indices.data(), indices.size());
}

void write_bmp(const fs::path& path, const data::Image& image, bool top_down) {
  const int row_bytes = (image.width * 3 + 3) / 4 * 4;  // rows padded to 4 bytes, stored bottom-up, BGR
  const std::uint32_t data_bytes = row_bytes * image.height, file_bytes = 54 + data_bytes;
  std::vector<std::uint8_t> bytes(file_bytes, 0);
  auto put32 = [&](int at, std::uint32_t v) { for (int i = 0; i < 4; ++i) bytes[at + i] = (v >> (8 * i)) & 0xff; };
  bytes[0] = 'B';
  bytes[1] = 'M';
  put32(2, file_bytes);
  put32(10, 54);
  put32(14, 40);
  put32(18, image.width);
  put32(22, static_cast<std::uint32_t>(top_down ? -image.height : image.height));
  bytes[26] = 1;
  bytes[28] = 24;
  put32(34, data_bytes);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const std::uint8_t* rgb = &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * 3];
      const int row = top_down ? y : image.height - 1 - y;
      std::uint8_t* bgr = &bytes[54 + static_cast<std::size_t>(row) * row_bytes + x * 3];
      bgr[0] = rgb[2];
      bgr[1] = rgb[1];
      bgr[2] = rgb[0];
    }
  }
  data::write_file(path, bytes);
}

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

int max_difference(const data::Image& a, const data::Image& b) {
  VIT_CHECK(a.width == b.width && a.height == b.height && a.channels == b.channels, "image shapes differ.");
  int worst = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) worst = std::max(worst, std::abs(a.pixels[i] - b.pixels[i]));
  return worst;
}

}  // namespace vit::test
