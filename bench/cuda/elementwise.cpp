// CUDA element-wise kernels at a ViT-B MLP activation [B*197, 3072] (bf16 and float32): GELU
// forward (reads x, writes y), bias + GELU backward (reads x and dy, writes dx and the bias
// gradient), residual add (reads two, writes one) and the f32 -> bf16 cast.
#include "kernels/cuda/elementwise.h"
#include "cuda_bench.h"
#include "runtime/cuda/memory.h"
#include "runtime/cuda/tensor_kernels.h"

namespace {

using namespace vit::cuda;

std::int64_t rows_of(const benchmark::State& state) { return bench::pick(state.range(0) * 197, 37); }
std::int64_t cols_of(const benchmark::State& state) { return bench::pick(state.range(1), 77); }

template <typename T>
void BM_gelu_forward(benchmark::State& state) {
  const std::int64_t n = rows_of(state) * cols_of(state);
  DeviceBuffer<T> x(n), y(n);
  x.fill_bytes(0);
  bench::run_timed(state, {2.0 * n * sizeof(T)}, [&] { gelu_forward(x.get(), y.get(), n, nullptr); });
}

template <typename T>
void BM_bias_gelu_backward(benchmark::State& state) {
  const std::int64_t rows = rows_of(state), cols = cols_of(state);
  DeviceBuffer<T> x(rows * cols), dy(rows * cols), dx(rows * cols);
  DeviceBuffer<float> bias(cols), dbias(cols);
  x.fill_bytes(0);
  dy.fill_bytes(0);
  bias.fill_bytes(0);
  bench::run_timed(state, {3.0 * rows * cols * sizeof(T)}, [&] {
    bias_gelu_backward(x.get(), bias.get(), dy.get(), dx.get(), dbias.get(), rows, cols, nullptr);
  });
}

template <typename T>
void BM_residual_add(benchmark::State& state) {
  const std::int64_t n = rows_of(state) * cols_of(state);
  DeviceBuffer<T> a(n), b(n), out(n);
  a.fill_bytes(0);
  b.fill_bytes(0);
  bench::run_timed(state, {3.0 * n * sizeof(T)}, [&] { add_forward(a.get(), b.get(), out.get(), n, n, nullptr); });
}

void BM_cast_f32_to_bf16(benchmark::State& state) {
  const std::int64_t n = rows_of(state) * cols_of(state);
  DeviceBuffer<float> x(n);
  DeviceBuffer<vit::bfloat16> y(n);
  x.fill_bytes(0);
  bench::run_timed(state, {6.0 * n}, [&] { cast(x.get(), y.get(), n, nullptr); });
}

}  // namespace

BENCHMARK(BM_gelu_forward<vit::bfloat16>)->Args({64, 3072})->UseManualTime();
BENCHMARK(BM_gelu_forward<float>)->Args({64, 3072})->UseManualTime();
BENCHMARK(BM_bias_gelu_backward<vit::bfloat16>)->Args({64, 3072})->UseManualTime();
BENCHMARK(BM_residual_add<vit::bfloat16>)->Args({64, 768})->UseManualTime();
BENCHMARK(BM_cast_f32_to_bf16)->Args({64, 768})->UseManualTime();
