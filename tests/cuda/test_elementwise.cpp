// CUDA element-wise kernels against the CPU reference (src/kernels/cpu/elementwise.cpp) at odd
// sizes, outputs poisoned first. Tolerances (normwise): float32 2e-6 (erf/exp differ by an ulp
// or two), bf16 1e-2 (inputs are bf16-rounded for the reference too; the output rounding alone is
// up to 2^-9 relative), casts exact.
#include <catch2/catch.hpp>

#include <cmath>

#include "kernel_check.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cuda/elementwise.h"
#include "runtime/cuda/tensor_kernels.h"

using namespace vit::cuda::testing;
using vit::bfloat16;
using vit::cuda::DeviceBuffer;

namespace {

template <typename T> double tolerance();
template <> double tolerance<float>() { return 2e-6; }
template <> double tolerance<bfloat16>() { return 1e-2; }

// The reference sees the inputs the kernel sees: bf16-rounded in the bf16 variant.
template <typename T>
std::vector<float> as_seen(const std::vector<float>& values) {
  return std::is_same_v<T, float> ? values : round_bf16(values);
}

}  // namespace

TEST_CASE("cuda elementwise: casts round to nearest even like the host bfloat16", "[cuda][elementwise]") {
  std::vector<float> x = random_normal(1001, 1, 3.0f);
  x[0] = 1.00390625f;   // halfway between two bf16 values: rounds to even
  x[1] = -0.0f;
  DeviceBuffer<float> dx(x);
  auto bf = poisoned<bfloat16>(x.size());
  auto back = poisoned<float>(x.size());
  vit::cuda::cast(dx.get(), bf.get(), static_cast<std::int64_t>(x.size()), nullptr);
  vit::cuda::cast(bf.get(), back.get(), static_cast<std::int64_t>(x.size()), nullptr);
  const std::vector<bfloat16> got = bf.download();
  const std::vector<bfloat16> want = to_bf16(x);
  for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(got[i].bits == want[i].bits);
  CHECK(back.download() == to_f32(want));
}

TEMPLATE_TEST_CASE("cuda elementwise: residual and broadcast add", "[cuda][elementwise]", float, bfloat16) {
  const std::int64_t rows = 7, cols = 197 * 3;
  for (const std::int64_t b_count : {rows * cols, cols}) {
    const auto a = as_seen<TestType>(random_normal(rows * cols, 2)), b = as_seen<TestType>(random_normal(b_count, 3));
    auto da = upload_as<TestType>(a), db = upload_as<TestType>(b);
    auto out = poisoned<TestType>(rows * cols);
    vit::cuda::add_forward(da.get(), db.get(), out.get(), rows * cols, b_count, nullptr);
    std::vector<float> want(rows * cols);
    vit::cpu::add_forward(a.data(), b.data(), want.data(), rows * cols, b_count);
    CHECK(normwise_error(download_f32(out), want) <= tolerance<TestType>());
  }
}

TEMPLATE_TEST_CASE("cuda elementwise: broadcast add backward sums over rows", "[cuda][elementwise]", float, bfloat16) {
  const std::int64_t rows = 301, cols = 45;
  const auto dout = as_seen<TestType>(random_normal(rows * cols, 4));
  auto ddout = upload_as<TestType>(dout);
  auto db = poisoned<float>(cols);
  vit::cuda::add_backward_broadcast(ddout.get(), db.get(), rows * cols, cols, nullptr);
  std::vector<float> want(cols);
  vit::cpu::add_backward_broadcast(dout.data(), want.data(), rows * cols, cols);
  CHECK(normwise_error(db.download(), want) <= 1e-5);  // float32 sums of 301 terms, any order
}

// 131 x 77 elements: not a multiple of the 8- or 4-element packs (a scalar tail). Offsets of one
// element make every pointer misaligned for 16-byte access (one element at a time), offsets of
// 8 keep the packs.
TEMPLATE_TEST_CASE("cuda elementwise: GELU and residual add on aligned and offset views", "[cuda][elementwise]", float,
                   bfloat16) {
  const std::int64_t n = 131 * 77;
  const auto x = as_seen<TestType>(random_normal(n + 8, 5, 2.0f)), b = as_seen<TestType>(random_normal(n + 8, 6));
  auto dx = upload_as<TestType>(x), db = upload_as<TestType>(b);
  for (const std::int64_t offset : {0, 1, 8}) {
    CAPTURE(offset);
    const std::int64_t count = n + 8 - offset;
    auto y = poisoned<TestType>(n + 8), sum = poisoned<TestType>(n + 8);
    vit::cuda::gelu_forward(dx.get() + offset, y.get() + offset, count, nullptr);
    vit::cuda::add_forward(dx.get() + offset, db.get() + offset, sum.get() + offset, count, count, nullptr);
    std::vector<float> want_y(count), want_sum(count);
    vit::cpu::gelu_forward(x.data() + offset, want_y.data(), count);
    vit::cpu::add_forward(x.data() + offset, b.data() + offset, want_sum.data(), count, count);
    const std::vector<float> got_y = download_f32(y), got_sum = download_f32(sum);
    CHECK(normwise_error(std::vector<float>(got_y.begin() + offset, got_y.end()), want_y) <= tolerance<TestType>());
    CHECK(normwise_error(std::vector<float>(got_sum.begin() + offset, got_sum.end()), want_sum) <=
          tolerance<TestType>());
    CHECK(std::isnan(got_y[0]) == (offset > 0));  // nothing written before the view
  }
}

TEMPLATE_TEST_CASE("cuda elementwise: bias and GELU backward with the bias gradient", "[cuda][elementwise]", float,
                   bfloat16) {
  const std::int64_t rows = 261, cols = 53;
  const auto x = as_seen<TestType>(random_normal(rows * cols, 7, 2.0f));
  const auto dy = as_seen<TestType>(random_normal(rows * cols, 8));
  const auto bias = random_normal(cols, 9);
  auto dx_in = upload_as<TestType>(x), ddy = upload_as<TestType>(dy);
  DeviceBuffer<float> dbias_in(bias);
  auto dx = poisoned<TestType>(rows * cols);
  auto dbias = poisoned<float>(cols);
  vit::cuda::bias_gelu_backward(dx_in.get(), dbias_in.get(), ddy.get(), dx.get(), dbias.get(), rows, cols, nullptr);
  std::vector<float> biased(rows * cols), want_dx(rows * cols), want_dbias(cols);
  vit::cpu::add_forward(x.data(), bias.data(), biased.data(), rows * cols, cols);
  vit::cpu::gelu_backward(biased.data(), dy.data(), want_dx.data(), rows * cols);
  vit::cpu::add_backward_broadcast(want_dx.data(), want_dbias.data(), rows * cols, cols);
  CHECK(normwise_error(download_f32(dx), want_dx) <= tolerance<TestType>());
  CHECK(normwise_error(dbias.download(), want_dbias) <= 1e-5);
}
