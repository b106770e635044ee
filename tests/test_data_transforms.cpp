// Transform geometry against torchvision's formulas, and resampling against PIL's output
// (values produced by PIL 9.4's Image.resize with BILINEAR, which antialiases).
#include <catch2/catch.hpp>

#include <cmath>

#include "data_fixtures.h"
#include "vitcuda/data/loader.h"
#include "vitcuda/data/transforms.h"
#include "vitcuda/runtime/check.h"

using namespace vit;
using data::CropPlan;
using data::Image;
using data::TransformOptions;

namespace {

// The 7x5 RGB image given to PIL: ((37x + 11y), (5x + 53y), (7x^2 + 3y)) mod 256.
Image pil_test_image() {
  Image image{7, 5, 3, {}};
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 7; ++x) {
      image.pixels.push_back(static_cast<std::uint8_t>((x * 37 + y * 11) % 256));
      image.pixels.push_back(static_cast<std::uint8_t>((x * 5 + y * 53) % 256));
      image.pixels.push_back(static_cast<std::uint8_t>((x * x * 7 + y * 3) % 256));
    }
  }
  return image;
}

std::vector<int> resample_u8(const Image& image, const CropPlan& plan, int size) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(image.channels) * size * size, 0);
  data::ResampleScratch scratch;
  data::resample(image, plan, size, out.data(), scratch);
  return {out.begin(), out.end()};
}

CropPlan region(double x, double y, double w, double h, double bx0, double by0, double bx1, double by1) {
  return {x, y, w, h, bx0, by0, bx1, by1, false};
}

}  // namespace

TEST_CASE("transforms: resampling matches PIL bilinear with antialiasing", "[data][transforms]") {
  const Image image = pil_test_image();
  // im.resize((4, 4), BILINEAR, box=(1.5, 0.5, 6.25, 4.75)): a fractional region (an upscale
  // across x, a downscale across y); PIL's filter may read the whole image.
  CHECK(resample_u8(image, region(1.5, 0.5, 4.75, 4.25, 0, 0, 7, 5), 4) ==
        std::vector<int>{64, 106, 152, 199, 75, 117, 163, 210, 87, 129, 175, 222, 99, 141, 187, 191,
                         36, 42, 48, 54, 92, 98, 104, 110, 148, 154, 160, 166, 204, 210, 216, 222,
                         21, 55, 113, 194, 24, 58, 116, 161, 27, 61, 119, 138, 30, 64, 122, 141});
  // im.resize((3, 3), BILINEAR): a 7x5 -> 3x3 downscale.
  CHECK(resample_u8(image, region(0, 0, 7, 5, 0, 0, 7, 5), 3) ==
        std::vector<int>{37, 116, 195, 54, 133, 212, 71, 150, 177, 27, 38, 49, 110, 121, 132,
                         193, 204, 215, 10, 71, 190, 15, 76, 124, 20, 81, 109});
}

TEST_CASE("transforms: crop then upscale matches PIL and stays inside the crop", "[data][transforms]") {
  // Train mode bounds the filter by the crop, as torchvision's crop-then-resize does: resampling
  // the region (1, 1, 3, 3) of the image equals resampling a cropped copy.
  const Image image = pil_test_image();
  Image cropped{3, 3, 3, {}};
  for (int y = 1; y < 4; ++y) {
    for (int x = 1; x < 4; ++x) {
      for (int c = 0; c < 3; ++c) cropped.pixels.push_back(image.pixels[(y * 7 + x) * 3 + c]);
    }
  }
  CHECK(resample_u8(image, region(1, 1, 3, 3, 1, 1, 4, 4), 8) == resample_u8(cropped, region(0, 0, 3, 3, 0, 0, 3, 3), 8));
}

TEST_CASE("transforms: same size is the identity and flip mirrors", "[data][transforms]") {
  const Image image = test::ramp_image(6, 6, 3, 1);
  const std::vector<int> same = resample_u8(image, region(0, 0, 6, 6, 0, 0, 6, 6), 6);
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < 36; ++i) REQUIRE(same[c * 36 + i] == image.pixels[i * 3 + c]);
  }
  CropPlan flipped = region(0, 0, 6, 6, 0, 0, 6, 6);
  flipped.flip = true;
  const std::vector<int> mirror = resample_u8(image, flipped, 6);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 6; ++y) {
      for (int x = 0; x < 6; ++x) REQUIRE(mirror[c * 36 + y * 6 + x] == same[c * 36 + y * 6 + 5 - x]);
    }
  }
}

TEST_CASE("transforms: eval plan is Resize of the shorter side then CenterCrop", "[data][transforms]") {
  const TransformOptions eval{.mode = TransformOptions::Mode::eval, .size = 224, .crop_pct = 0.875f};
  // 500x375: shorter side to floor(224 / 0.875) = 256, longer to int(256 * 500 / 375) = 341;
  // crop left = round((341 - 224) / 2) = round(58.5) = 58 (half to even), top = 16.
  const CropPlan plan = data::plan_crop(eval, 500, 375, 0, 0, 0);
  CHECK(plan.x == Approx(58 * 500.0 / 341));
  CHECK(plan.width == Approx(224 * 500.0 / 341));
  CHECK(plan.y == Approx(16 * 375.0 / 256));
  CHECK(plan.height == Approx(224 * 375.0 / 256));
  CHECK(plan.bound_x1 == 500);
  CHECK_FALSE(plan.flip);
  const CropPlan tall = data::plan_crop(eval, 300, 600, 0, 0, 0);  // 256 x 512, crop top 144
  CHECK(tall.y == Approx(144 * 600.0 / 512));
  CHECK(tall.x == Approx(16 * 300.0 / 256));
}

TEST_CASE("transforms: random resized crop stays in range and is keyed by sample and epoch", "[data][transforms]") {
  const TransformOptions train{.size = 32};
  int flips = 0;
  for (std::uint64_t sample = 0; sample < 500; ++sample) {
    const CropPlan plan = data::plan_crop(train, 120, 80, 42, 3, sample);
    REQUIRE(plan.x == std::floor(plan.x));
    REQUIRE(plan.x >= 0);
    REQUIRE(plan.y >= 0);
    REQUIRE(plan.x + plan.width <= 120);
    REQUIRE(plan.y + plan.height <= 80);
    const double area = plan.width * plan.height / (120.0 * 80.0);
    REQUIRE(area >= 0.07);  // scale >= 0.08 before rounding the sides
    REQUIRE(plan.width / plan.height >= 0.7);
    REQUIRE(plan.width / plan.height <= 1.43);
    REQUIRE(plan.bound_x0 == plan.x);  // the filter reads only the crop
    REQUIRE(plan.bound_x1 == plan.x + plan.width);
    flips += plan.flip;
    const CropPlan again = data::plan_crop(train, 120, 80, 42, 3, sample);
    REQUIRE((again.x == plan.x && again.y == plan.y && again.width == plan.width && again.flip == plan.flip));
  }
  CHECK(flips > 200);
  CHECK(flips < 300);
  const CropPlan a = data::plan_crop(train, 120, 80, 42, 3, 7), b = data::plan_crop(train, 120, 80, 42, 4, 7);
  CHECK((a.x != b.x || a.y != b.y || a.width != b.width));
  // A sliver image forces the fallback: central crop with the ratio clamped.
  const CropPlan sliver = data::plan_crop({.size = 32, .scale_min = 0.99f}, 400, 10, 1, 0, 0);
  CHECK(sliver.height == 10);
  CHECK(sliver.width == 13);  // round(10 * 4 / 3)
  CHECK(sliver.x == (400 - 13) / 2);
}

TEST_CASE("transforms: normalized output equals normalize_images of the u8 output", "[data][transforms]") {
  const Image image = test::ramp_image(50, 40, 3, 2);
  const CropPlan plan = data::plan_crop({.size = 16}, 50, 40, 5, 0, 1);
  const data::Normalize normalize{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
  data::ResampleScratch scratch;
  Tensor u8 = Tensor::empty({1, 3, 16, 16}, DType::u8), f32 = Tensor::empty({1, 3, 16, 16});
  data::resample(image, plan, 16, u8.data<std::uint8_t>(), scratch);
  data::resample(image, plan, 16, normalize, f32.data<float>(), scratch);
  CHECK(data::normalize_images(u8, normalize).to_vector() == f32.to_vector());
  const float first = (u8.data<std::uint8_t>()[0] / 255.0f - 0.485f) / 0.229f;
  CHECK(f32.data<float>()[0] == Approx(first).margin(1e-6));
  CHECK_THROWS_WITH(data::normalize_images(f32, normalize), Catch::Contains("u8 [B, C, H, W]"));
}

TEST_CASE("transforms: bad options are clear errors", "[data][transforms]") {
  CHECK_THROWS_WITH(data::plan_crop({.size = 0}, 10, 10, 0, 0, 0), Catch::Contains("size must be positive"));
  CHECK_THROWS_WITH(data::plan_crop({.scale_min = 0.5f, .scale_max = 0.4f}, 10, 10, 0, 0, 0), Catch::Contains("scale"));
  CHECK_THROWS_WITH(data::plan_crop({.mode = TransformOptions::Mode::eval, .crop_pct = 1.5f}, 10, 10, 0, 0, 0),
                    Catch::Contains("crop_pct"));
}
