// CUDA dropout and drop-path at [B*197, 768] bf16: one read and one write per element plus the
// Philox draws (one 10-round block per 4 elements for dropout).
#include "cuda_bench.h"
#include "kernels/cuda/dropout.h"
#include "runtime/cuda/memory.h"

namespace {

using namespace vit::cuda;

void BM_dropout_forward(benchmark::State& state) {
  const std::int64_t n = bench::pick(state.range(0) * 197 * 768, 2851);
  DeviceBuffer<vit::bfloat16> x(n), y(n);
  x.fill_bytes(0);
  bench::run_timed(state, {4.0 * n}, [&] { dropout_forward(x.get(), y.get(), n, 0.1f, 7, nullptr); });
}

void BM_drop_path_forward(benchmark::State& state) {
  const std::int64_t rows = bench::pick(state.range(0), 3), row_size = bench::pick(197 * 768, 301);
  DeviceBuffer<vit::bfloat16> x(rows * row_size), y(rows * row_size);
  x.fill_bytes(0);
  bench::run_timed(state, {4.0 * rows * row_size},
                   [&] { drop_path_forward(x.get(), y.get(), rows, row_size, 0.1f, 7, nullptr); });
}

}  // namespace

BENCHMARK(BM_dropout_forward)->Arg(64)->UseManualTime();
BENCHMARK(BM_drop_path_forward)->Arg(64)->UseManualTime();
