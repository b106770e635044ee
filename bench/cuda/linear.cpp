// CUDA matrix products at ViT-S qkv projection size [B*197, 384] x [1152, 384]^T: the handwritten
// tiled kernel (CUDA cores, compared with the float32 peak) beside cuBLAS (float32 compute: the
// float32 peak; bf16: the tensor-core peak). FLOPs: 2 m n k.
#include "cuda_bench.h"
#include "kernels/cuda/linear.h"
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
  const bool tensor_cores = backend == GemmBackend::cublas && std::is_same_v<T, vit::bfloat16>;
  bench::Work work{0, 2.0 * m * n * k, tensor_cores ? bench::Peak::bf16_tensor_cores : bench::Peak::f32_cores};
  bench::run_timed(state, work, [&] {
    gemm(false, true, m, n, k, 1.0f, a.get(), k, b.get(), k, 0.0f, c.get(), n, nullptr, backend);
  });
}

template <typename T>
void BM_gemm_tiled(benchmark::State& state) { run_gemm<T>(state, GemmBackend::tiled); }
template <typename T>
void BM_gemm_cublas(benchmark::State& state) { run_gemm<T>(state, GemmBackend::cublas); }

}  // namespace

BENCHMARK(BM_gemm_tiled<float>)->Args({64, 1152, 384})->UseManualTime();
BENCHMARK(BM_gemm_tiled<vit::bfloat16>)->Args({64, 1152, 384})->UseManualTime();
BENCHMARK(BM_gemm_cublas<float>)->Args({64, 1152, 384})->UseManualTime();
BENCHMARK(BM_gemm_cublas<vit::bfloat16>)->Args({64, 1152, 384})->UseManualTime();
