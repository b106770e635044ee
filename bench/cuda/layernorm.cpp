// CUDA LayerNorm forward and backward at [B*197, D] (issue target on an H100: forward >= 80% and
// backward >= 70% of HBM bandwidth at [B*197, 768] bf16). Bytes: forward reads x, writes y;
// backward reads x and dy and writes dx (statistics and parameters are negligible).
#include "cuda_bench.h"
#include "kernels/cuda/layernorm.h"
#include "runtime/cuda/memory.h"

namespace {

using namespace vit::cuda;

template <typename T>
void BM_layernorm_forward(benchmark::State& state) {
  const std::int64_t rows = bench::pick(state.range(0) * 197, 37), dim = bench::pick(state.range(1), 77);
  DeviceBuffer<T> x(rows * dim), y(rows * dim);
  x.fill_bytes(0x3c);
  DeviceBuffer<float> gamma(dim), beta(dim), mean(rows), rstd(rows);
  gamma.fill_bytes(0);
  beta.fill_bytes(0);
  bench::run_timed(state, {2.0 * rows * dim * sizeof(T)}, [&] {
    layernorm_forward(x.get(), gamma.get(), beta.get(), y.get(), mean.get(), rstd.get(), rows, dim, 1e-6f, nullptr);
  });
}

template <typename T>
void BM_layernorm_backward(benchmark::State& state) {
  const std::int64_t rows = bench::pick(state.range(0) * 197, 37), dim = bench::pick(state.range(1), 77);
  DeviceBuffer<T> x(rows * dim), dy(rows * dim), dx(rows * dim);
  x.fill_bytes(0x3c);
  dy.fill_bytes(0x3c);
  DeviceBuffer<float> gamma(dim), mean(rows), rstd(rows), dgamma(dim), dbeta(dim);
  DeviceBuffer<float> workspace(layernorm_backward_workspace(rows, dim));
  for (auto* b : {&gamma, &mean, &rstd}) b->fill_bytes(0);
  bench::run_timed(state, {3.0 * rows * dim * sizeof(T)}, [&] {
    layernorm_backward(x.get(), gamma.get(), mean.get(), rstd.get(), dy.get(), dx.get(), dgamma.get(), dbeta.get(),
                       rows, dim, workspace.get(), nullptr);
  });
}

}  // namespace

BENCHMARK(BM_layernorm_forward<vit::bfloat16>)->Args({64, 768})->Args({64, 384})->UseManualTime();
BENCHMARK(BM_layernorm_forward<float>)->Args({64, 768})->UseManualTime();
BENCHMARK(BM_layernorm_backward<vit::bfloat16>)->Args({64, 768})->Args({64, 384})->UseManualTime();
BENCHMARK(BM_layernorm_backward<float>)->Args({64, 768})->UseManualTime();
