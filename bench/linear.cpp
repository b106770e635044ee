// CPU linear (OpenBLAS sgemm) forward and forward+backward at ViT shapes: tokens x in -> out.
#include "bench_util.h"
#include "vitcuda/vitcuda.h"

namespace {

// Args: rows (batch * tokens), in, out.
void BM_linear_forward(benchmark::State& state) {
  const std::int64_t rows = state.range(0), in = state.range(1), out = state.range(2);
  vit::Rng rng(0);
  const vit::Tensor x = vit::Tensor::randn({rows, in}, rng), w = vit::Tensor::randn({out, in}, rng),
                    b = vit::Tensor::randn({out}, rng);
  for (auto _ : state) {
    vit::Tape tape;
    benchmark::DoNotOptimize(vit::linear(x, w, b, tape).raw_data());
  }
  vit::bench::report_flops(state, 2.0 * rows * in * out);
}

void BM_linear_forward_backward(benchmark::State& state) {
  const std::int64_t rows = state.range(0), in = state.range(1), out = state.range(2);
  vit::Rng rng(0);
  vit::Tensor x = vit::Tensor::randn({rows, in}, rng), w = vit::Tensor::randn({out, in}, rng),
              b = vit::Tensor::randn({out}, rng), dy = vit::Tensor::randn({rows, out}, rng);
  x.set_requires_grad();
  w.set_requires_grad();
  b.set_requires_grad();
  for (auto _ : state) {
    vit::Tape tape;
    tape.backward(vit::linear(x, w, b, tape), dy);
    x.zero_grad();
    w.zero_grad();
    b.zero_grad();
  }
  vit::bench::report_flops(state, 6.0 * rows * in * out);
}

}  // namespace

// ViT-S/16 at batch 8: qkv projection (384 -> 1152) and MLP fc1 (384 -> 1536).
BENCHMARK(BM_linear_forward)->Args({8 * 197, 384, 1152})->Args({8 * 197, 384, 1536})->UseRealTime();
BENCHMARK(BM_linear_forward_backward)->Args({8 * 197, 384, 1152})->UseRealTime();
