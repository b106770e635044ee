// CUDA matrix products against the CPU reference (OpenBLAS sgemm, src/kernels/cpu/linear.cpp) at
// sizes that are not multiples of the 64 x 64 x 16 tiles, every transpose combination, alpha and
// beta, on the tiled kernel and (VIT_CUDA=ON) on cuBLASLt, with the epilogues the linear layers
// fuse (bias, bias gradient, GELU). Tolerances (normwise): float32 1e-5; bf16 operands (rounded for
// the reference too) 1e-2 with bf16 output, 1e-5 with float32 output.
#include <catch2/catch.hpp>

#include "kernel_check.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/linear.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/linear.h"

using namespace vit::cuda::testing;
using vit::bfloat16;
using vit::cuda::DeviceBuffer;
using vit::cuda::GemmBackend;

namespace {

std::vector<GemmBackend> backends() {
  std::vector<GemmBackend> list{GemmBackend::tiled};
  if (vit::cuda::cublas_available()) list.push_back(GemmBackend::cublas);
  return list;
}

template <typename TIn, typename TOut>
void check_gemm(bool trans_a, bool trans_b, GemmBackend backend, double tolerance) {
  const std::int64_t m = 67, n = 45, k = 83;
  const bool bf = std::is_same_v<TIn, bfloat16>;
  const auto round = [&](std::vector<float> v) { return bf ? round_bf16(v) : v; };
  const auto a = round(random_normal(m * k, 91)), b = round(random_normal(k * n, 92));
  const auto c0 = std::is_same_v<TOut, float> ? random_normal(m * n, 93) : round_bf16(random_normal(m * n, 93));
  const std::int64_t lda = trans_a ? m : k, ldb = trans_b ? k : n;
  auto da = upload_as<TIn>(a), db = upload_as<TIn>(b);
  auto dc = upload_as<TOut>(c0);
  vit::cuda::gemm(trans_a, trans_b, m, n, k, 0.7f, da.get(), lda, db.get(), ldb, 0.5f, dc.get(), n, nullptr, backend);
  std::vector<float> want = c0;
  vit::cpu::sgemm(trans_a, trans_b, m, n, k, 0.7f, a.data(), lda, b.data(), ldb, 0.5f, want.data(), n);
  CHECK(normwise_error(download_f32(dc), want) <= tolerance);
}

}  // namespace

TEST_CASE("cuda gemm: every transpose combination with alpha and beta", "[cuda][linear]") {
  for (const GemmBackend backend : backends()) {
    for (const bool trans_a : {false, true}) {
      for (const bool trans_b : {false, true}) {
        CAPTURE(static_cast<int>(backend), trans_a, trans_b);
        check_gemm<float, float>(trans_a, trans_b, backend, 1e-5);
        check_gemm<bfloat16, bfloat16>(trans_a, trans_b, backend, 1e-2);
        check_gemm<bfloat16, float>(trans_a, trans_b, backend, 1e-5);
      }
    }
  }
}

// in = 131: the weight gradient's product has three column blocks, of which only the first writes
// the bias gradient in the tiled kernel.
TEMPLATE_TEST_CASE("cuda linear: forward with bias and backward", "[cuda][linear]", float, bfloat16) {
  const std::int64_t rows = 71, in = 131, out = 93;
  const bool bf = std::is_same_v<TestType, bfloat16>;
  const auto round = [&](std::vector<float> v) { return bf ? round_bf16(v) : v; };
  const auto x = round(random_normal(rows * in, 94)), w = round(random_normal(out * in, 95, 0.2f));
  const auto bias = random_normal(out, 96), dy = round(random_normal(rows * out, 97));
  auto d_x = upload_as<TestType>(x), d_w = upload_as<TestType>(w), d_dy = upload_as<TestType>(dy);
  DeviceBuffer<float> d_bias(bias);
  std::vector<float> want_y(rows * out), want_dx(rows * in), want_dw(out * in), want_db(out);
  vit::cpu::linear_forward(x.data(), w.data(), bias.data(), want_y.data(), rows, in, out);
  vit::cpu::linear_backward(x.data(), w.data(), dy.data(), want_dx.data(), want_dw.data(), want_db.data(), rows, in,
                            out);
  for (const GemmBackend backend : backends()) {
    CAPTURE(static_cast<int>(backend));
    auto y = poisoned<TestType>(rows * out), dx = poisoned<TestType>(rows * in);
    auto dw = poisoned<float>(out * in), db = poisoned<float>(out);
    vit::cuda::linear_forward(d_x.get(), d_w.get(), d_bias.get(), y.get(), rows, in, out, nullptr, backend);
    vit::cuda::linear_backward(d_x.get(), d_w.get(), d_dy.get(), dx.get(), dw.get(), db.get(), rows, in, out, nullptr,
                               backend);
    CHECK(normwise_error(download_f32(y), want_y) <= (bf ? 1e-2 : 1e-5));
    CHECK(normwise_error(download_f32(dx), want_dx) <= (bf ? 1e-2 : 1e-5));
    CHECK(normwise_error(dw.download(), want_dw) <= 1e-5);
    CHECK(normwise_error(db.download(), want_db) <= 1e-5);
  }
}

TEMPLATE_TEST_CASE("cuda linear_gelu: forward and backward against linear then GELU on the cpu", "[cuda][linear]",
                   float, bfloat16) {
  const std::int64_t rows = 69, in = 75, out = 130;
  const bool bf = std::is_same_v<TestType, bfloat16>;
  const auto round = [&](std::vector<float> v) { return bf ? round_bf16(v) : v; };
  const auto x = round(random_normal(rows * in, 101)), w = round(random_normal(out * in, 102, 0.2f));
  const auto bias = random_normal(out, 103), dy = round(random_normal(rows * out, 104));
  auto d_x = upload_as<TestType>(x), d_w = upload_as<TestType>(w), d_dy = upload_as<TestType>(dy);
  DeviceBuffer<float> d_bias(bias);
  std::vector<float> want_pre(rows * out), want_y(rows * out), want_dpre(rows * out);
  std::vector<float> want_dx(rows * in), want_dw(out * in), want_db(out);
  vit::cpu::linear_forward(x.data(), w.data(), bias.data(), want_pre.data(), rows, in, out);
  vit::cpu::gelu_forward(want_pre.data(), want_y.data(), rows * out);
  vit::cpu::gelu_backward(want_pre.data(), dy.data(), want_dpre.data(), rows * out);
  vit::cpu::linear_backward(x.data(), w.data(), want_dpre.data(), want_dx.data(), want_dw.data(), want_db.data(), rows,
                            in, out);
  for (const GemmBackend backend : backends()) {
    CAPTURE(static_cast<int>(backend));
    auto pre = poisoned<TestType>(rows * out), y = poisoned<TestType>(rows * out);
    auto dx = poisoned<TestType>(rows * in);
    auto dw = poisoned<float>(out * in), db = poisoned<float>(out);
    vit::cuda::linear_gelu_forward(d_x.get(), d_w.get(), d_bias.get(), pre.get(), y.get(), rows, in, out, nullptr,
                                   backend);
    vit::cuda::linear_gelu_backward(d_x.get(), d_w.get(), static_cast<const TestType*>(pre.get()), d_dy.get(), dx.get(),
                                    dw.get(), db.get(), rows, in, out, nullptr, backend);
    CHECK(normwise_error(download_f32(pre), want_pre) <= (bf ? 1e-2 : 1e-5));
    CHECK(normwise_error(download_f32(y), want_y) <= (bf ? 1e-2 : 1e-5));
    CHECK(normwise_error(download_f32(dx), want_dx) <= (bf ? 1e-2 : 1e-5));
    CHECK(normwise_error(dw.download(), want_dw) <= (bf ? 1e-2 : 1e-5));
    CHECK(normwise_error(db.download(), want_db) <= (bf ? 1e-2 : 1e-5));

    // The fused GELU is the GELU kernel's, bit for bit, applied to the stored pre-activation.
    auto unfused = poisoned<TestType>(rows * out);
    vit::cuda::gelu_forward(static_cast<const TestType*>(pre.get()), unfused.get(), rows * out, nullptr);
    CHECK(download_f32(unfused) == download_f32(y));
  }
}
