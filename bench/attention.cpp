// CPU reference attention forward and forward+backward over packed qkv [B, N, 3D].
// FLOPs: forward 4 B H N^2 hd (QK^T and PV); backward 8 B H N^2 hd (dP, dV, dQ, dK).
#include "bench_util.h"
#include "vitcuda/vitcuda.h"

namespace {

// Args: batch, tokens, heads, head_dim.
void BM_attention_forward(benchmark::State& state) {
  const std::int64_t b = state.range(0), n = state.range(1), h = state.range(2), hd = state.range(3);
  vit::Rng rng(0);
  const vit::Tensor qkv = vit::Tensor::randn({b, n, 3 * h * hd}, rng);
  for (auto _ : state) {
    vit::Tape tape;
    benchmark::DoNotOptimize(vit::attention(qkv, static_cast<int>(h), tape).raw_data());
  }
  vit::bench::report_flops(state, 4.0 * b * h * n * n * hd);
}

void BM_attention_forward_backward(benchmark::State& state) {
  const std::int64_t b = state.range(0), n = state.range(1), h = state.range(2), hd = state.range(3);
  vit::Rng rng(0);
  vit::Tensor qkv = vit::Tensor::randn({b, n, 3 * h * hd}, rng), dout = vit::Tensor::randn({b, n, h * hd}, rng);
  qkv.set_requires_grad();
  for (auto _ : state) {
    vit::Tape tape;
    tape.backward(vit::attention(qkv, static_cast<int>(h), tape), dout);
    qkv.zero_grad();
  }
  vit::bench::report_flops(state, 12.0 * b * h * n * n * hd);
}

}  // namespace

// ViT-S/16 at 224 (N = 197, 6 heads of 64) and the README's tiny Fashion-MNIST ViT (N = 50, 4 x 16).
BENCHMARK(BM_attention_forward)->Args({8, 197, 6, 64})->Args({128, 50, 4, 16})->UseRealTime();
BENCHMARK(BM_attention_forward_backward)->Args({8, 197, 6, 64})->Args({128, 50, 4, 16})->UseRealTime();
