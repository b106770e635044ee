// CUDA dropout and drop-path against the CPU reference (src/kernels/cpu/dropout.cpp): the same
// Philox stream, so float32 results are bit-identical (tolerance 0) and bf16 ones equal the
// reference on bf16 inputs up to the output rounding.
#include <catch2/catch.hpp>

#include "kernel_check.h"
#include "kernels/cpu/dropout.h"
#include "kernels/cuda/dropout.h"
#include "vitcuda/runtime/rng.h"

using namespace vit::cuda::testing;
using vit::bfloat16;

TEST_CASE("cuda dropout: the host-device Philox matches the CPU stream", "[cuda][dropout]") {
  // philox4x32 (std::array, the Random123 known-answer tested one) and philox_uniform share philox.h.
  const auto words = vit::philox4x32({1u, 2u, 3u, 4u}, 0x1234567890abcdefull);
  const vit::PhiloxBlock block = vit::philox4x32_10({{1u, 2u, 3u, 4u}}, 0x1234567890abcdefull);
  for (int k = 0; k < 4; ++k) CHECK(words[k] == block.word[k]);
}

TEMPLATE_TEST_CASE("cuda dropout: forward and backward masks equal the CPU ones", "[cuda][dropout]", float,
                   bfloat16) {
  const std::int64_t n = 4099;  // not a multiple of the 4 elements one Philox block serves
  const float p = 0.3f;
  const std::uint64_t seed = 0x5eed0000ull + static_cast<std::uint64_t>(Catch::rngSeed());
  const auto x = std::is_same_v<TestType, float> ? random_normal(n, 11) : round_bf16(random_normal(n, 11));
  auto dx = upload_as<TestType>(x);
  auto y = poisoned<TestType>(n), back = poisoned<TestType>(n);
  vit::cuda::dropout_forward(dx.get(), y.get(), n, p, seed, nullptr);
  vit::cuda::dropout_backward(dx.get(), back.get(), n, p, seed, nullptr);
  std::vector<float> want(n);
  vit::cpu::dropout_forward(x.data(), want.data(), n, p, seed);
  if constexpr (std::is_same_v<TestType, float>) {
    CHECK(y.download() == want);
    CHECK(back.download() == want);
  } else {
    CHECK(download_f32(y) == round_bf16(want));
    CHECK(download_f32(back) == round_bf16(want));
  }
}

TEMPLATE_TEST_CASE("cuda dropout: drop path keeps or drops whole samples like the CPU", "[cuda][dropout]", float,
                   bfloat16) {
  const std::int64_t rows = 37, row_size = 3 * 197 + 5;
  const float p = 0.4f;
  const std::uint64_t seed = 77 + static_cast<std::uint64_t>(Catch::rngSeed());
  const auto x = std::is_same_v<TestType, float> ? random_normal(rows * row_size, 12)
                                                 : round_bf16(random_normal(rows * row_size, 12));
  auto dx = upload_as<TestType>(x);
  auto y = poisoned<TestType>(rows * row_size);
  vit::cuda::drop_path_forward(dx.get(), y.get(), rows, row_size, p, seed, nullptr);
  std::vector<float> want(rows * row_size);
  vit::cpu::drop_path_forward(x.data(), want.data(), rows, row_size, p, seed);
  CHECK(download_f32(y) == (std::is_same_v<TestType, float> ? want : round_bf16(want)));
}
