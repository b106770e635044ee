// CUDA class token + position embedding against the CPU reference (concat_class_token and the
// broadcast add, and their backwards) at odd sizes. float32 forward and dtokens are exact;
// dpos/dcls are float32 sums over the batch (normwise 1e-6); bf16 outputs are the rounded reference.
#include <catch2/catch.hpp>

#include "kernel_check.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/tokens.h"
#include "kernels/cuda/tokens.h"

using namespace vit::cuda::testing;
using vit::bfloat16;
using vit::cuda::DeviceBuffer;

TEMPLATE_TEST_CASE("cuda tokens: class token and position embedding forward and backward", "[cuda][tokens]", float,
                   bfloat16) {
  const std::int64_t batch = 5, n = 49, dim = 37, sequence = (n + 1) * dim;
  const bool exact = std::is_same_v<TestType, float>;
  const auto tokens = exact ? random_normal(batch * n * dim, 81) : round_bf16(random_normal(batch * n * dim, 81));
  const auto cls = random_normal(dim, 82), pos = random_normal(sequence, 83);
  auto d_tokens = upload_as<TestType>(tokens);
  DeviceBuffer<float> d_cls(cls), d_pos(pos);
  auto out = poisoned<TestType>(batch * sequence);
  vit::cuda::class_pos_embed_forward(d_tokens.get(), d_cls.get(), d_pos.get(), out.get(), batch, n, dim, nullptr);
  std::vector<float> concat(batch * sequence), want(batch * sequence);
  vit::cpu::concat_class_token_forward(cls.data(), tokens.data(), concat.data(), batch, n, dim);
  vit::cpu::add_forward(concat.data(), pos.data(), want.data(), batch * sequence, sequence);
  CHECK(download_f32(out) == (exact ? want : round_bf16(want)));

  const auto dout = exact ? random_normal(batch * sequence, 84) : round_bf16(random_normal(batch * sequence, 84));
  auto d_dout = upload_as<TestType>(dout);
  auto dtokens = poisoned<TestType>(batch * n * dim);
  auto dcls = poisoned<float>(dim), dpos = poisoned<float>(sequence);
  vit::cuda::class_pos_embed_backward(d_dout.get(), dtokens.get(), dcls.get(), dpos.get(), batch, n, dim, nullptr);
  std::vector<float> want_dtokens(batch * n * dim), want_dcls(dim), want_dpos(sequence);
  vit::cpu::add_backward_broadcast(dout.data(), want_dpos.data(), batch * sequence, sequence);
  vit::cpu::concat_class_token_backward(dout.data(), want_dcls.data(), want_dtokens.data(), batch, n, dim);
  CHECK(download_f32(dtokens) == want_dtokens);
  CHECK(normwise_error(dpos.download(), want_dpos) <= 1e-6);
  CHECK(normwise_error(dcls.download(), want_dcls) <= 1e-6);
}

// The token mean (global average pooling) against cpu::mean_tokens at odd sizes, with and without
// the class token. Forward: float32 sums in another order than the cpu's double sum (normwise
// 1e-6); bf16 outputs are the reference rounded once more (normwise 4e-3, bf16's half ulp).
// Backward: dout / (N - first) is one float division on both sides, so it matches exactly (bf16:
// the rounded reference).
TEMPLATE_TEST_CASE("cuda tokens: mean over tokens forward and backward", "[cuda][tokens][mean_tokens]", float,
                   bfloat16) {
  const bool exact = std::is_same_v<TestType, float>;
  const std::int64_t batch = 5, n = 51, dim = 37;
  for (const std::int64_t first : {std::int64_t{1}, std::int64_t{0}, n - 1}) {
    INFO("first " << first);
    const auto x = exact ? random_normal(batch * n * dim, 91) : round_bf16(random_normal(batch * n * dim, 91));
    auto d_x = upload_as<TestType>(x);
    auto out = poisoned<TestType>(batch * dim);
    vit::cuda::mean_tokens_forward(d_x.get(), out.get(), batch, n, dim, first, nullptr);
    std::vector<float> want(batch * dim);
    vit::cpu::mean_tokens_forward(x.data(), want.data(), batch, n, dim, first);
    const double forward_error = normwise_error(download_f32(out), want);
    CHECK(forward_error <= (exact ? 1e-6 : 4e-3));

    const auto dout = exact ? random_normal(batch * dim, 92) : round_bf16(random_normal(batch * dim, 92));
    auto d_dout = upload_as<TestType>(dout);
    auto dx = poisoned<TestType>(batch * n * dim);
    vit::cuda::mean_tokens_backward(d_dout.get(), dx.get(), batch, n, dim, first, nullptr);
    std::vector<float> want_dx(batch * n * dim);
    vit::cpu::mean_tokens_backward(dout.data(), want_dx.data(), batch, n, dim, first);
    CHECK(download_f32(dx) == (exact ? want_dx : round_bf16(want_dx)));
    WARN((exact ? "f32" : "bf16") << " mean_tokens first " << first << ": forward normwise error " << forward_error);
  }
}
