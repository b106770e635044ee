// CUDA flash-style attention against the CPU reference (src/kernels/cpu/attention.cpp, which
// stores the probabilities) for token counts that are not multiples of the 16-query and 32-key
// tiles and head dims below, at and above 32 lanes. Tolerances (normwise): float32 out 1e-5,
// lse 1e-5, dqkv 1e-5; bf16 (inputs rounded for the reference too) out and dqkv 1e-2 (the
// backward also sees the rounded forward output).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "kernel_check.h"
#include "kernels/cpu/attention.h"
#include "kernels/cuda/attention.h"

using namespace vit::cuda::testing;
using vit::bfloat16;
using vit::cuda::DeviceBuffer;
using vit::AttentionShape;

namespace {

// Head dims 24, 64, 120, 32 and 128: bf16 at 32, 64 and 128 runs the tensor-core forward
// (attention_mma.cu), with 1 to 3 key blocks of 64 and a ragged last one.
constexpr AttentionShape kShapes[] = {{2, 37, 72, 3}, {1, 45, 128, 2}, {1, 70, 240, 2}, {1, 131, 96, 3}, {1, 50, 256, 2}};

// log-sum-exp of every scaled score row, [B, H, N], in double.
std::vector<float> reference_lse(const std::vector<float>& qkv, const AttentionShape& s) {
  const std::int64_t hd = s.head_dim(), stride = 3 * s.dim;
  std::vector<float> lse(s.batch * s.heads * s.tokens);
  for (std::int64_t b = 0; b < s.batch; ++b) {
    for (std::int64_t h = 0; h < s.heads; ++h) {
      for (std::int64_t i = 0; i < s.tokens; ++i) {
        std::vector<double> scores(s.tokens);
        for (std::int64_t j = 0; j < s.tokens; ++j) {
          double dot = 0.0;
          for (std::int64_t d = 0; d < hd; ++d) {
            dot += double(qkv[(b * s.tokens + i) * stride + h * hd + d]) * qkv[(b * s.tokens + j) * stride + s.dim + h * hd + d];
          }
          scores[j] = dot / std::sqrt(double(hd));
        }
        const double top = *std::max_element(scores.begin(), scores.end());
        double sum = 0.0;
        for (double v : scores) sum += std::exp(v - top);
        lse[(b * s.heads + h) * s.tokens + i] = static_cast<float>(top + std::log(sum));
      }
    }
  }
  return lse;
}

}  // namespace

TEMPLATE_TEST_CASE("cuda attention: forward and backward over packed qkv", "[cuda][attention]", float, bfloat16) {
  const bool bf = std::is_same_v<TestType, bfloat16>;
  for (const AttentionShape& s : kShapes) {
    CAPTURE(s.batch, s.tokens, s.dim, s.heads);
    const std::int64_t n_qkv = s.batch * s.tokens * 3 * s.dim, n_out = s.batch * s.tokens * s.dim;
    const std::int64_t n_rows = s.batch * s.heads * s.tokens;
    auto qkv = random_normal(n_qkv, 101), dout = random_normal(n_out, 102);
    if (bf) {
      qkv = round_bf16(qkv);
      dout = round_bf16(dout);
    }
    std::vector<float> want_out(n_out), probs(n_rows * s.tokens), want_dqkv(n_qkv);
    vit::cpu::attention_forward(qkv.data(), want_out.data(), probs.data(), s);
    vit::cpu::attention_backward(qkv.data(), probs.data(), dout.data(), want_dqkv.data(), s);

    auto d_qkv = upload_as<TestType>(qkv), d_dout = upload_as<TestType>(dout);
    auto out = poisoned<TestType>(n_out);
    auto lse = poisoned<float>(n_rows);
    vit::cuda::attention_forward(d_qkv.get(), out.get(), lse.get(), s, nullptr);
    CHECK(normwise_error(download_f32(out), want_out) <= (bf ? 1e-2 : 1e-5));
    CHECK(normwise_error(lse.download(), reference_lse(qkv, s)) <= 1e-5);

    DeviceBuffer<float> workspace(vit::cuda::attention_backward_workspace(s));
    auto dqkv = poisoned<TestType>(n_qkv);
    vit::cuda::attention_backward(d_qkv.get(), out.get(), lse.get(), d_dout.get(), dqkv.get(), workspace.get(), s,
                                  nullptr);
    CHECK(normwise_error(download_f32(dqkv), want_dqkv) <= (bf ? 1e-2 : 1e-5));
  }
}
