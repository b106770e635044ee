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
