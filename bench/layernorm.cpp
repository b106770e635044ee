// CPU LayerNorm forward and forward+backward at [B*197, D]: reports bytes moved per second
// (forward reads x and writes y; backward reads x and dy and writes dx).
#include "bench_util.h"
#include "vitcuda/vitcuda.h"

namespace {

void BM_layernorm_forward(benchmark::State& state) {
  const std::int64_t rows = state.range(0), dim = state.range(1);
  vit::Rng rng(0);
  const vit::Tensor x = vit::Tensor::randn({rows, dim}, rng), g = vit::Tensor::full({dim}, 1.0f),
                    b = vit::Tensor::zeros({dim});
  for (auto _ : state) {
    vit::Tape tape;
    benchmark::DoNotOptimize(vit::layer_norm(x, g, b, 1e-6f, tape).raw_data());
  }
  vit::bench::report_bytes(state, 2.0 * rows * dim * sizeof(float));
}

void BM_layernorm_forward_backward(benchmark::State& state) {
  const std::int64_t rows = state.range(0), dim = state.range(1);
  vit::Rng rng(0);
  vit::Tensor x = vit::Tensor::randn({rows, dim}, rng), g = vit::Tensor::full({dim}, 1.0f),
              b = vit::Tensor::zeros({dim}), dy = vit::Tensor::randn({rows, dim}, rng);
  x.set_requires_grad();
  g.set_requires_grad();
  for (auto _ : state) {
    vit::Tape tape;
    tape.backward(vit::layer_norm(x, g, b, 1e-6f, tape), dy);
    x.zero_grad();
    g.zero_grad();
  }
  vit::bench::report_bytes(state, 5.0 * rows * dim * sizeof(float));
}

}  // namespace

BENCHMARK(BM_layernorm_forward)->Args({8 * 197, 384})->Args({8 * 197, 768})->UseRealTime();
BENCHMARK(BM_layernorm_forward_backward)->Args({8 * 197, 768})->UseRealTime();
