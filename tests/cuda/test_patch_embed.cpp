// CUDA patch im2col against the CPU reference (src/kernels/cpu/patch_embed.cpp) on images of odd
// channel counts and patch grids; float32 copies are exact, bf16 outputs are the rounded
// reference, uint8 input with per-channel normalisation equals normalising on the host first.
#include <catch2/catch.hpp>

#include "kernel_check.h"
#include "kernels/cpu/patch_embed.h"
#include "kernels/cuda/patch_embed.h"

using namespace vit::cuda::testing;
using vit::bfloat16;
using vit::cuda::DeviceBuffer;


TEMPLATE_TEST_CASE("cuda patch embed: float images im2col forward and backward", "[cuda][patch_embed]", float,
                   bfloat16) {
  const vit::PatchGeometry g{3, 5, 21, 35, 7};  // 3 x 5 patch grid
  const std::int64_t pixels = g.batch * g.channels * g.height * g.width, n = g.batch * g.patches() * g.patch_features();
  const auto images = random_normal(pixels, 71);
  DeviceBuffer<float> d_images(images);
  auto cols = poisoned<TestType>(n);
  vit::cuda::patch_im2col_forward(d_images.get(), cols.get(), g, nullptr, nullptr, nullptr);
  std::vector<float> want(n);
  vit::cpu::patch_im2col_forward(images.data(), want.data(), g);
  const bool exact = std::is_same_v<TestType, float>;
  CHECK(download_f32(cols) == (exact ? want : round_bf16(want)));

  const auto dcols = exact ? random_normal(n, 72) : round_bf16(random_normal(n, 72));
  auto d_dcols = upload_as<TestType>(dcols);
  auto dimages = poisoned<float>(pixels);
  vit::cuda::patch_im2col_backward(d_dcols.get(), dimages.get(), g, nullptr);
  std::vector<float> want_dimages(pixels);
  vit::cpu::patch_im2col_backward(dcols.data(), want_dimages.data(), g);
  CHECK(dimages.download() == want_dimages);
}

TEST_CASE("cuda patch embed: uint8 images with per-channel normalisation", "[cuda][patch_embed]") {
  const vit::PatchGeometry g{2, 3, 48, 32, 16};
  const std::int64_t pixels = g.batch * g.channels * g.height * g.width, n = g.batch * g.patches() * g.patch_features();
  const auto noise = random_uniform(pixels, 73, 0.0f, 255.99f);
  std::vector<std::uint8_t> images(pixels);
  for (std::int64_t i = 0; i < pixels; ++i) images[i] = static_cast<std::uint8_t>(noise[i]);
  const std::vector<float> mean{0.485f, 0.456f, 0.406f}, stddev{0.229f, 0.224f, 0.225f};
  std::vector<float> scale(3), shift(3), normalised(pixels);
  for (int c = 0; c < 3; ++c) {
    scale[c] = 1.0f / (255.0f * stddev[c]);
    shift[c] = -mean[c] / stddev[c];
  }
  for (std::int64_t i = 0; i < pixels; ++i) {
    const std::int64_t c = i / (g.height * g.width) % g.channels;
    normalised[i] = static_cast<float>(images[i]) * scale[c] + shift[c];
  }
  DeviceBuffer<std::uint8_t> d_images(images);
  DeviceBuffer<float> d_scale(scale), d_shift(shift);
  auto cols = poisoned<float>(n);
  vit::cuda::patch_im2col_forward(d_images.get(), cols.get(), g, d_scale.get(), d_shift.get(), nullptr);
  std::vector<float> want(n);
  vit::cpu::patch_im2col_forward(normalised.data(), want.data(), g);
  CHECK(normwise_error(cols.download(), want) <= 1e-6);  // an FMA may round once instead of twice
}
