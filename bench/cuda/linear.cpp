// CUDA matrix products at ViT-S qkv projection size [B*197, 384] x [1152, 384]^T: the handwritten
// tiled kernels beside cuBLASLt, float32 against the float32 CUDA-core peak, bf16 (tensor cores in
// both) against the bf16 tensor-core peak. FLOPs: 2 m n k. Then a ViT-B MLP fc1 as the model
// runs it, [B*197, 768] x [3072, 768]^T with its fused bias and GELU: forward (2 m n k) and
// backward (dx, dW, db: 4 m n k), bf16 on the default backend.
#include "kernels/cuda/linear.h"
#include "cuda_bench.h"
#include "runtime/cuda/memory.h"

namespace {

using namespace vit::cuda;

template <typename T>
void run_gemm(benchmark::State& state, GemmBackend backend) {
  if (backend == GemmBackend::cublas && !cublas_available()) {
    state.SkipWithError("cuBLAS is not in the interpreter build");
    return;
  }
  const std::int64_t m = bench::pick(state.range(0) * 197, 67), n = bench::pick(state.range(1), 45),
                     k = bench::pick(state.range(2), 33);
  DeviceBuffer<T> a(m * k), b(n * k), c(m * n);
  a.fill_bytes(0);
  b.fill_bytes(0);
  const bool tensor_cores = std::is_same_v<T, vit::bfloat16>;
  bench::Work work{0, 2.0 * m * n * k, tensor_cores ? bench::Peak::bf16_tensor_cores : bench::Peak::f32_cores};
  bench::run_timed(state, work, [&] {
    gemm(false, true, m, n, k, 1.0f, a.get(), k, b.get(), k, 0.0f, c.get(), n, nullptr, backend);
  });
}

template <typename T>
void BM_gemm_tiled(benchmark::State& state) {
  run_gemm<T>(state, GemmBackend::tiled);
}
template <typename T>
void BM_gemm_cublas(benchmark::State& state) {
  run_gemm<T>(state, GemmBackend::cublas);
}

template <typename T>
void BM_linear_gelu(benchmark::State& state) {
  const bool backward = state.range(1) != 0;
  const std::int64_t rows = bench::pick(state.range(0) * 197, 67), in = bench::pick(768, 45),
                     out = bench::pick(3072, 130);
  DeviceBuffer<T> x(rows * in), w(out * in), pre(rows * out), y(rows * out), dy(rows * out), dx(rows * in);
  DeviceBuffer<float> b(out), dw(out * in), db(out);
  for (auto* buffer : {&x, &w, &dy}) buffer->fill_bytes(0);
  b.fill_bytes(0);
  linear_gelu_forward(x.get(), w.get(), b.get(), pre.get(), y.get(), rows, in, out, nullptr);
  const bool tensor_cores = cublas_available() && std::is_same_v<T, vit::bfloat16>;
  bench::Work work{0, (backward ? 4.0 : 2.0) * rows * in * out,
                   tensor_cores ? bench::Peak::bf16_tensor_cores : bench::Peak::f32_cores};
  bench::run_timed(state, work, [&] {
    if (backward) {
      linear_gelu_backward(x.get(), w.get(), static_cast<const T*>(pre.get()), dy.get(), dx.get(), dw.get(), db.get(),
                           rows, in, out, nullptr);
    } else {
      linear_gelu_forward(x.get(), w.get(), b.get(), pre.get(), y.get(), rows, in, out, nullptr);
    }
  });
}

}  // namespace

BENCHMARK(BM_linear_gelu<vit::bfloat16>)
    ->ArgNames({"batch", "backward"})
    ->Args({64, 0})
    ->Args({64, 1})
    ->UseManualTime();
BENCHMARK(BM_gemm_tiled<float>)->Args({64, 1152, 384})->UseManualTime();
BENCHMARK(BM_gemm_tiled<vit::bfloat16>)->Args({64, 1152, 384})->UseManualTime();
BENCHMARK(BM_gemm_cublas<float>)->Args({64, 1152, 384})->UseManualTime();
BENCHMARK(BM_gemm_cublas<vit::bfloat16>)->Args({64, 1152, 384})->UseManualTime();
