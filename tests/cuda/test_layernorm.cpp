// CUDA LayerNorm against the CPU reference (src/kernels/cpu/layernorm.cpp, double statistics) at
// odd sizes covering every registers-per-lane variant and the backward's grid-stride rows.
// Tolerances (normwise): float32 y/mean/rstd 1e-5, dx/dgamma/dbeta 1e-5; bf16 y and dx 1e-2 (output
// rounding), dgamma/dbeta 1e-4 (float32 sums of the same bf16 inputs).
#include <catch2/catch.hpp>

#include "kernel_check.h"
#include "kernels/cpu/layernorm.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/layernorm.h"

using namespace vit::cuda::testing;
using vit::bfloat16;
using vit::cuda::DeviceBuffer;

namespace {

struct Size {
  std::int64_t rows, dim;
};
// Every kPerLane of the kernels (8 ... 64 values per lane), with single values (odd widths) and
// 16-byte chunks (widths that are multiples of 4 floats or 8 bf16), and rows past one band of 128
// and past the backward's 1024 blocks (4 rows each: grid-stride).
constexpr Size kSizes[] = {{37, 203}, {11, 300}, {13, 385}, {7, 700}, {9, 777}, {5, 1100},
                           {3, 1500}, {601, 45}, {4501, 33}, {6, 384}, {9, 768}, {3, 1280}};

template <typename T> double tolerance();
template <> double tolerance<float>() { return 1e-5; }
template <> double tolerance<bfloat16>() { return 1e-2; }

template <typename T>
std::vector<float> as_seen(const std::vector<float>& values) {
  return std::is_same_v<T, float> ? values : round_bf16(values);
}

}  // namespace

TEMPLATE_TEST_CASE("cuda layernorm: forward with saved statistics", "[cuda][layernorm]", float, bfloat16) {
  const float eps = 1e-6f;
  for (const Size s : kSizes) {
    CAPTURE(s.rows, s.dim);
    const std::int64_t n = s.rows * s.dim;
    const auto x = as_seen<TestType>(random_normal(n, 21, 2.0f));
    std::vector<float> shifted = x;  // a large mean checks the statistics do not cancel
    for (float& v : shifted) v += 5.0f;
    const auto seen = as_seen<TestType>(shifted);
    const auto gamma = random_normal(s.dim, 22), beta = random_normal(s.dim, 23);
    auto dx = upload_as<TestType>(seen);
    DeviceBuffer<float> dgamma(gamma), dbeta(beta);
    auto y = poisoned<TestType>(n);
    auto mean = poisoned<float>(s.rows), rstd = poisoned<float>(s.rows);
    vit::cuda::layernorm_forward(dx.get(), dgamma.get(), dbeta.get(), y.get(), mean.get(), rstd.get(), s.rows, s.dim,
                                 eps, nullptr);
    std::vector<float> want_y(n), want_mean(s.rows), want_rstd(s.rows);
    vit::cpu::layernorm_forward(seen.data(), gamma.data(), beta.data(), want_y.data(), want_mean.data(),
                                want_rstd.data(), s.rows, s.dim, eps);
    CHECK(normwise_error(download_f32(y), want_y) <= tolerance<TestType>());
    CHECK(normwise_error(mean.download(), want_mean) <= 1e-5);
    CHECK(normwise_error(rstd.download(), want_rstd) <= 1e-5);
  }
}

TEMPLATE_TEST_CASE("cuda layernorm: backward with dgamma and dbeta", "[cuda][layernorm]", float, bfloat16) {
  for (const Size s : kSizes) {
    CAPTURE(s.rows, s.dim);
    const std::int64_t n = s.rows * s.dim;
    const auto x = as_seen<TestType>(random_normal(n, 24, 2.0f)), dy = as_seen<TestType>(random_normal(n, 25));
    const auto gamma = random_normal(s.dim, 26), beta = random_normal(s.dim, 27);
    std::vector<float> y(n), mean(s.rows), rstd(s.rows);
    vit::cpu::layernorm_forward(x.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data(), s.rows,
                                s.dim, 1e-6f);
    std::vector<float> want_dx(n), want_dgamma(s.dim), want_dbeta(s.dim);
    vit::cpu::layernorm_backward(x.data(), gamma.data(), mean.data(), rstd.data(), dy.data(), want_dx.data(),
                                 want_dgamma.data(), want_dbeta.data(), s.rows, s.dim);

    auto d_x = upload_as<TestType>(x), d_dy = upload_as<TestType>(dy);
    DeviceBuffer<float> d_gamma(gamma), d_mean(mean), d_rstd(rstd);
    DeviceBuffer<float> workspace(vit::cuda::layernorm_backward_workspace(s.rows, s.dim));
    auto dx = poisoned<TestType>(n);
    auto dgamma = poisoned<float>(s.dim), dbeta = poisoned<float>(s.dim);
    vit::cuda::layernorm_backward(d_x.get(), d_gamma.get(), d_mean.get(), d_rstd.get(), d_dy.get(), dx.get(),
                                  dgamma.get(), dbeta.get(), s.rows, s.dim, workspace.get(), nullptr);
    CHECK(normwise_error(download_f32(dx), want_dx) <= tolerance<TestType>());
    CHECK(normwise_error(dgamma.download(), want_dgamma) <= 1e-4);
    CHECK(normwise_error(dbeta.download(), want_dbeta) <= 1e-4);
    if constexpr (std::is_same_v<TestType, float>) {
      CHECK(normwise_error(dgamma.download(), want_dgamma) <= 1e-5);
      CHECK(normwise_error(dbeta.download(), want_dbeta) <= 1e-5);
    }

    auto dx_only = poisoned<TestType>(n);  // parameter gradients not wanted: no workspace needed
    vit::cuda::layernorm_backward(d_x.get(), d_gamma.get(), d_mean.get(), d_rstd.get(), d_dy.get(), dx_only.get(),
                                  nullptr, nullptr, s.rows, s.dim, nullptr, nullptr);
    CHECK(download_f32(dx_only) == download_f32(dx));
  }
}

// Rows that start one element past a 16-byte boundary take the single-value kernels, rows eight
// elements past it the 16-byte ones; both match the CPU.
TEMPLATE_TEST_CASE("cuda layernorm: offset views take the single-value path", "[cuda][layernorm]", float, bfloat16) {
  const std::int64_t rows = 5, dim = 768, n = rows * dim;
  const auto x = as_seen<TestType>(random_normal(n + 8, 28, 2.0f)), dy = as_seen<TestType>(random_normal(n + 8, 29));
  const auto gamma = random_normal(dim, 30), beta = random_normal(dim, 31);
  auto d_x = upload_as<TestType>(x), d_dy = upload_as<TestType>(dy);
  DeviceBuffer<float> d_gamma(gamma), d_beta(beta);
  std::vector<std::vector<float>> outputs;
  for (const std::int64_t offset : {1, 8}) {
    CAPTURE(offset);
    std::vector<float> want_y(n), mean(rows), rstd(rows), want_dx(n), want_dgamma(dim), want_dbeta(dim);
    vit::cpu::layernorm_forward(x.data() + offset, gamma.data(), beta.data(), want_y.data(), mean.data(), rstd.data(),
                                rows, dim, 1e-6f);
    vit::cpu::layernorm_backward(x.data() + offset, gamma.data(), mean.data(), rstd.data(), dy.data() + offset,
                                 want_dx.data(), want_dgamma.data(), want_dbeta.data(), rows, dim);
    auto y = poisoned<TestType>(n + 8), dx = poisoned<TestType>(n + 8);
    auto d_mean = poisoned<float>(rows), d_rstd = poisoned<float>(rows);
    vit::cuda::layernorm_forward(d_x.get() + offset, d_gamma.get(), d_beta.get(), y.get() + offset, d_mean.get(),
                                 d_rstd.get(), rows, dim, 1e-6f, nullptr);
    vit::cuda::layernorm_backward(d_x.get() + offset, d_gamma.get(), d_mean.get(), d_rstd.get(), d_dy.get() + offset,
                                  dx.get() + offset, nullptr, nullptr, rows, dim, nullptr, nullptr);
    const std::vector<float> got_y = download_f32(y), got_dx = download_f32(dx);
    CHECK(normwise_error(std::vector<float>(got_y.begin() + offset, got_y.begin() + offset + n), want_y) <=
          tolerance<TestType>());
    CHECK(normwise_error(std::vector<float>(got_dx.begin() + offset, got_dx.begin() + offset + n), want_dx) <=
          tolerance<TestType>());
  }
}

// The fused residual add gives the bits of add_forward then layernorm_forward: the sum as stored,
// and the LayerNorm of it (16-byte chunks at 768, single values at 203).
TEMPLATE_TEST_CASE("cuda layernorm: the fused residual add matches add then LayerNorm", "[cuda][layernorm]",
                   float, bfloat16) {
  for (const Size s : {Size{7, 768}, Size{9, 203}}) {
    CAPTURE(s.rows, s.dim);
    const std::int64_t n = s.rows * s.dim;
    auto a = upload_as<TestType>(random_normal(n, 32, 2.0f)), b = upload_as<TestType>(random_normal(n, 33));
    DeviceBuffer<float> gamma(random_normal(s.dim, 34)), beta(random_normal(s.dim, 35));
    auto sum = poisoned<TestType>(n), y = poisoned<TestType>(n), want_sum = poisoned<TestType>(n);
    auto want_y = poisoned<TestType>(n);
    auto mean = poisoned<float>(s.rows), rstd = poisoned<float>(s.rows), want_mean = poisoned<float>(s.rows);
    auto want_rstd = poisoned<float>(s.rows);
    vit::cuda::add_layernorm_forward(a.get(), b.get(), sum.get(), gamma.get(), beta.get(), y.get(), mean.get(),
                                     rstd.get(), s.rows, s.dim, 1e-6f, nullptr);
    vit::cuda::add_forward(a.get(), b.get(), want_sum.get(), n, n, nullptr);
    vit::cuda::layernorm_forward(static_cast<const TestType*>(want_sum.get()), gamma.get(), beta.get(), want_y.get(),
                                 want_mean.get(), want_rstd.get(), s.rows, s.dim, 1e-6f, nullptr);
    CHECK(download_f32(sum) == download_f32(want_sum));
    CHECK(download_f32(y) == download_f32(want_y));
    CHECK(mean.download() == want_mean.download());
    CHECK(rstd.download() == want_rstd.download());

    // The backward adds the sum's other gradient into dx: the same bits as the LayerNorm's dx
    // plus it in float32, within bf16 rounding of dx then the add in bf16.
    auto dy = upload_as<TestType>(random_normal(n, 36)), later = upload_as<TestType>(random_normal(n, 37));
    auto dx = poisoned<TestType>(n), dx_alone = poisoned<TestType>(n), dx_added = poisoned<TestType>(n);
    vit::cuda::add_layernorm_backward(static_cast<const TestType*>(sum.get()), gamma.get(), mean.get(), rstd.get(),
                                      dy.get(), later.get(), dx.get(), nullptr, nullptr, s.rows, s.dim, nullptr,
                                      nullptr);
    vit::cuda::layernorm_backward(static_cast<const TestType*>(sum.get()), gamma.get(), mean.get(), rstd.get(),
                                  dy.get(), dx_alone.get(), nullptr, nullptr, s.rows, s.dim, nullptr, nullptr);
    vit::cuda::add_forward(static_cast<const TestType*>(dx_alone.get()), later.get(), dx_added.get(), n, n, nullptr);
    if constexpr (std::is_same_v<TestType, float>) {
      CHECK(dx.download() == dx_added.download());
    } else {
      CHECK(normwise_error(download_f32(dx), download_f32(dx_added)) <= 1e-2);
    }
  }
}
