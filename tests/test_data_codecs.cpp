// Decoders: pixels of each kind of file against the values written, DCT downscaling, and the
// errors for truncated, empty, unknown and oversized files.
#include <catch2/catch.hpp>

#include "data_fixtures.h"
#include "vitcuda/data/image.h"
#include "vitcuda/runtime/check.h"

using namespace vit;
using vit::data::Image;
using vit::data::ImageFormat;

namespace {

std::vector<std::uint8_t> pixel(const Image& image, int x, int y) {
  const auto* p = &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * image.channels];
  return {p, p + image.channels};
}

}  // namespace

TEST_CASE("decode: RGB JPEG matches its pixels within JPEG tolerance", "[data][codecs]") {
  const Image source = test::ramp_image(37, 23, 3, 2);
  const Image decoded = data::decode_image(data::encode_jpeg(source, 95));
  REQUIRE(decoded.width == 37);
  REQUIRE(decoded.height == 23);
  REQUIRE(decoded.channels == 3);
  CHECK(test::max_difference(decoded, source) <= 12);
}

TEST_CASE("decode: gray JPEG becomes three equal channels and luma output keeps it", "[data][codecs]") {
  const Image gray = test::ramp_image(20, 11, 1);
  const auto bytes = data::encode_jpeg(gray, 95);
  const Image rgb = data::decode_image(bytes);
  REQUIRE(rgb.channels == 3);
  for (int i = 0; i < rgb.width * rgb.height; ++i) {
    REQUIRE(rgb.pixels[3 * i] == rgb.pixels[3 * i + 1]);
    REQUIRE(rgb.pixels[3 * i] == rgb.pixels[3 * i + 2]);
  }
  const Image luma = data::decode_image(bytes, {.channels = 1});
  REQUIRE(luma.channels == 1);
  CHECK(test::max_difference(luma, gray) <= 8);
}

TEST_CASE("decode: CMYK JPEG converts to RGB like PIL", "[data][codecs]") {
  // Ink C, M, Y, K; RGB = (255 - ink) * (255 - K) / 255.
  const Image red = data::decode_image(data::encode_jpeg(test::solid_image(16, 16, {0, 255, 255, 0}), 100));
  const Image gray = data::decode_image(data::encode_jpeg(test::solid_image(16, 16, {0, 0, 0, 128}), 100));
  const Image mixed = data::decode_image(data::encode_jpeg(test::solid_image(16, 16, {51, 102, 0, 64}), 100));
  const auto expect = [](const Image& image, std::vector<int> rgb) {
    REQUIRE(image.channels == 3);
    for (int c = 0; c < 3; ++c) CHECK(std::abs(image.pixels[c + 3 * 40] - rgb[c]) <= 2);
  };
  expect(red, {255, 0, 0});
  expect(gray, {127, 127, 127});
  expect(mixed, {204 * 191 / 255, 153 * 191 / 255, 191});
}

TEST_CASE("decode: PNG in gray RGBA 16-bit and palette converts exactly", "[data][codecs]") {
  test::TempDir dir;
  const Image rgba = test::ramp_image(9, 7, 4, 3);
  const Image rgb = data::decode_image(data::encode_png(rgba));
  REQUIRE(rgb.channels == 3);
  for (int i = 0; i < 9 * 7; ++i) {
    for (int c = 0; c < 3; ++c) REQUIRE(rgb.pixels[3 * i + c] == rgba.pixels[4 * i + c]);  // alpha dropped
  }
  const Image gray_alpha = test::ramp_image(5, 4, 2, 1);
  const Image from_ga = data::decode_image(data::encode_png(gray_alpha), {.channels = 1});
  for (int i = 0; i < 20; ++i) REQUIRE(from_ga.pixels[i] == gray_alpha.pixels[2 * i]);

  test::write_png16(dir / "gray16.png", 3, 2, 1, {0x0000, 0x1234, 0x80ff, 0xff00, 0xffff, 0x7f7f});
  const Image gray16 = data::read_image(dir / "gray16.png");
  const int expected16[] = {0x00, 0x12, 0x80, 0xff, 0xff, 0x7f};
  for (int i = 0; i < 6; ++i) CHECK(std::abs(gray16.pixels[3 * i] - expected16[i]) <= 1);
  test::write_png16(dir / "rgb16.png", 1, 1, 3, {0xffff, 0x8000, 0x0101});
  CHECK(std::abs(data::read_image(dir / "rgb16.png").pixels[1] - 0x80) <= 1);

  test::write_palette_png(dir / "palette.png", 3, 1, {{10, 20, 30}, {200, 100, 0}}, {1, 0, 1});
  const Image palette = data::read_image(dir / "palette.png");
  CHECK(pixel(palette, 0, 0) == std::vector<std::uint8_t>{200, 100, 0});
  CHECK(pixel(palette, 1, 0) == std::vector<std::uint8_t>{10, 20, 30});
}

TEST_CASE("decode: BMP through stb_image", "[data][codecs]") {
  test::TempDir dir;
  const Image source = test::ramp_image(7, 5, 3, 4);
  test::write_bmp(dir / "a.bmp", source);
  const Image decoded = data::read_image(dir / "a.bmp");
  CHECK(test::max_difference(decoded, source) == 0);
  CHECK(data::probe_image(data::read_file(dir / "a.bmp")).format == ImageFormat::bmp);
}

TEST_CASE("decode: a top-down BMP decodes and a truncated one is refused as PIL does", "[data][codecs]") {
  test::TempDir dir;
  const Image source = test::ramp_image(7, 5, 3, 4);
  test::write_bmp(dir / "top_down.bmp", source, /*top_down=*/true);
  const Image decoded = data::read_image(dir / "top_down.bmp");
  CHECK(decoded.height == 5);
  CHECK(test::max_difference(decoded, source) == 0);

  test::write_bmp(dir / "cut.bmp", source);
  std::vector<std::uint8_t> bytes = data::read_file(dir / "cut.bmp");
  for (std::size_t cut : {std::size_t{1}, std::size_t{24}, bytes.size() - 54}) {
    INFO("without the last " << cut << " bytes");
    const std::vector<std::uint8_t> truncated(bytes.begin(), bytes.end() - static_cast<std::ptrdiff_t>(cut));
    CHECK_THROWS_WITH(data::decode_image(truncated), Catch::Contains("BMP is truncated"));
  }
}

TEST_CASE("decode: luma output uses PIL weights", "[data][codecs]") {
  const Image decoded = data::decode_image(data::encode_png(test::solid_image(2, 2, {200, 100, 50})), {.channels = 1});
  REQUIRE(decoded.channels == 1);
  CHECK(decoded.pixels[0] == (200 * 19595 + 100 * 38470 + 50 * 7471 + 0x8000) >> 16);
}

TEST_CASE("decode: probe reads the header only and DCT scaling keeps the requested size", "[data][codecs]") {
  const auto bytes = data::encode_jpeg(test::ramp_image(400, 300, 3), 90);
  const data::ImageInfo info = data::probe_image(bytes);
  CHECK(info.width == 400);
  CHECK(info.height == 300);
  CHECK(info.format == ImageFormat::jpeg);
  const Image quarter = data::decode_image(bytes, {.min_width = 100, .min_height = 75});
  CHECK(quarter.width == 100);
  CHECK(quarter.height == 75);
  const Image three_eighths = data::decode_image(bytes, {.min_width = 101});
  CHECK(three_eighths.width == 150);
  CHECK(three_eighths.height == 113);  // 300 * 3 / 8 = 112.5, rounded up
  CHECK(three_eighths.scale == 0.375);
  CHECK(quarter.scale == 0.25);
  const Image full = data::decode_image(bytes, {.min_width = 399});
  CHECK(full.width == 400);
  // The downscaled image is the same picture: compare with a 1/4 subsample of the ramp.
  CHECK(std::abs(pixel(quarter, 50, 40)[0] - 50 * 4 * 255 / 399) <= 6);
}

TEST_CASE("decode: truncated empty and non-image data throw a clear error", "[data][codecs]") {
  const auto jpeg = data::encode_jpeg(test::ramp_image(64, 48, 3), 90);
  const auto png = data::encode_png(test::ramp_image(64, 48, 3));
  const std::vector<std::uint8_t> empty, text = {'h', 'e', 'l', 'l', 'o'};
  const std::vector<std::uint8_t> half_jpeg(jpeg.begin(), jpeg.begin() + jpeg.size() / 2);
  const std::vector<std::uint8_t> header_jpeg(jpeg.begin(), jpeg.begin() + 20);
  const std::vector<std::uint8_t> half_png(png.begin(), png.begin() + png.size() / 2);
  std::vector<std::uint8_t> garbage_jpeg = {0xff, 0xd8, 0xff};
  for (int i = 0; i < 500; ++i) garbage_jpeg.push_back(static_cast<std::uint8_t>(i * 97));
  CHECK_THROWS_WITH(data::decode_image(empty), Catch::Contains("empty"));
  CHECK_THROWS_WITH(data::decode_image(text), Catch::Contains("not a JPEG, PNG or BMP"));
  CHECK_THROWS_WITH(data::decode_image(half_jpeg), Catch::Contains("JPEG data is corrupt"));
  CHECK_THROWS_AS(data::decode_image(header_jpeg), Error);
  CHECK_THROWS_WITH(data::decode_image(half_png), Catch::Contains("PNG"));
  CHECK_THROWS_AS(data::decode_image(garbage_jpeg), Error);
  CHECK_THROWS_AS(data::decode_image(std::vector<std::uint8_t>{'B', 'M', 0, 0}), Error);
  CHECK_THROWS_WITH(data::decode_image(jpeg, {.max_pixels = 1000}), Catch::Contains("over the limit"));
  CHECK_THROWS_WITH(data::decode_image(png, {.max_pixels = 1000}), Catch::Contains("over the limit"));
  CHECK_THROWS_WITH(data::decode_image(png, {.channels = 4}), Catch::Contains("channels must be 1 or 3"));
  CHECK_THROWS_WITH(data::read_image("/nonexistent/x.png"), Catch::Contains("cannot open"));
  CHECK_THROWS_WITH(data::read_image("/tmp"), Catch::Contains("not a regular file"));
}

TEST_CASE("decode: damaged files either decode or throw and never crash", "[data][codecs]") {
  // Flips bytes at pseudo-random positions of valid files, and truncates them at many lengths.
  const std::vector<std::vector<std::uint8_t>> files = {
      data::encode_jpeg(test::ramp_image(40, 30, 3, 1), 80), data::encode_jpeg(test::ramp_image(24, 16, 4, 2), 80),
      data::encode_png(test::ramp_image(33, 21, 3, 3)), data::encode_png(test::ramp_image(9, 9, 2, 4))};
  std::uint32_t state = 12345;
  int decoded = 0, refused = 0;
  for (const auto& file : files) {
    for (int trial = 0; trial < 150; ++trial) {
      std::vector<std::uint8_t> damaged = file;
      for (int flips = 0; flips < 1 + trial % 4; ++flips) {
        state = state * 1664525u + 1013904223u;
        damaged[state % damaged.size()] ^= static_cast<std::uint8_t>(1 + (state >> 24) % 255);
      }
      if (trial % 3 == 0) damaged.resize(damaged.size() * (trial % 97 + 1) / 100 + 1);
      try {
        const Image image = data::decode_image(damaged, {.channels = trial % 2 ? 3 : 1});
        REQUIRE(image.pixels.size() == static_cast<std::size_t>(image.width) * image.height * image.channels);
        ++decoded;
      } catch (const Error&) {
        ++refused;
      }
    }
  }
  CHECK(decoded + refused == 600);
  CHECK(refused > 0);
}
