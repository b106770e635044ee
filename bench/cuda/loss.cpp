// CUDA cross-entropy forward (loss and correct count) and backward at [B, 1000] classes: the
// forward reads the logits twice (the second from cache), the backward reads twice, writes once.
#include "cuda_bench.h"
#include "kernels/cuda/loss.h"
#include "runtime/cuda/memory.h"

namespace {

using namespace vit::cuda;

void BM_cross_entropy(benchmark::State& state) {
  const std::int64_t rows = bench::pick(state.range(0), 7), classes = bench::pick(1000, 101);
  DeviceBuffer<float> logits(rows * classes), dlogits(rows * classes), loss(1);
  DeviceBuffer<std::int32_t> labels(rows), correct(1);
  const DeviceBuffer<float> one(std::vector<float>{1.0f});
  logits.fill_bytes(0);
  labels.fill_bytes(0);
  bench::run_timed(state, {3.0 * rows * classes * sizeof(float)}, [&] {
    cross_entropy_forward(logits.get(), labels.get(), rows, classes, 0.1f, loss.get(), correct.get(),
                          device_fault_record(), nullptr);
    cross_entropy_backward(logits.get(), labels.get(), one.get(), dlogits.get(), rows, classes, 0.1f, nullptr);
  });
}

}  // namespace

BENCHMARK(BM_cross_entropy)->Arg(256)->UseManualTime();
