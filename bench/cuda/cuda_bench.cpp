// The CUDA benchmarks' main and timing (cuda_bench.h). With no GPU present the executable exits
// 77, which CTest reports as skipped.
#include "cuda_bench.h"

#include <cstdio>
#include <string>

#include "runtime/cuda/cuda_api.h"
#include "runtime/cuda/device.h"

namespace vit::cuda::bench {

namespace {

const DeviceInfo& info() {
  static const DeviceInfo device = device_info();
  return device;
}

double peak_of(Peak peak) {
  switch (peak) {
    case Peak::bandwidth: return info().peak_bytes_per_second;
    case Peak::f32_cores: return info().peak_f32_flops;
    case Peak::bf16_tensor_cores: return info().peak_bf16_tensor_flops;
  }
  return 0.0;
}

class Event {
 public:
  Event() { CUDA_CHECK(cudaEventCreate(&event_)); }
  ~Event() {
    const cudaError_t status = cudaEventDestroy(event_);
    if (status != cudaSuccess) std::fprintf(stderr, "cudaEventDestroy failed: %s\n", cudaGetErrorString(status));
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace

bool interpreter() { return info().interpreter; }

void run_timed(benchmark::State& state, const Work& work, const std::function<void()>& run) {
  const int repeats = interpreter() ? 1 : 20;
  Event start, stop;
  run();  // warm-up (and lazy initialisation such as cuBLAS handles)
  CUDA_CHECK(cudaDeviceSynchronize());
  double seconds = 0.0;
  for (auto _ : state) {
    CUDA_CHECK(cudaEventRecord(start.get(), nullptr));
    for (int r = 0; r < repeats; ++r) run();
    CUDA_CHECK(cudaEventRecord(stop.get(), nullptr));
    CUDA_CHECK(cudaEventSynchronize(stop.get()));
    float milliseconds = 0.0f;
    CUDA_CHECK(cudaEventElapsedTime(&milliseconds, start.get(), stop.get()));
    const double per_run = milliseconds / 1e3 / repeats;
    state.SetIterationTime(per_run);
    seconds += per_run;
  }
  if (seconds <= 0.0) return;
  const double runs_per_second = static_cast<double>(state.iterations()) / seconds;
  const double rate = (work.peak == Peak::bandwidth ? work.bytes : work.flops) * runs_per_second;
  state.counters[work.peak == Peak::bandwidth ? "TB/s" : "TFLOP/s"] = rate / 1e12;
  if (peak_of(work.peak) > 0.0) state.counters["of_peak"] = rate / peak_of(work.peak);
}

}  // namespace vit::cuda::bench

int main(int argc, char** argv) {
  if (!vit::cuda::device_available()) {
    std::puts("no CUDA device present: skipping the GPU benchmarks");
    return 77;
  }
  const vit::cuda::DeviceInfo device = vit::cuda::device_info();
  benchmark::AddCustomContext("device", device.name);
  benchmark::AddCustomContext("peak_TB/s", std::to_string(device.peak_bytes_per_second / 1e12));
  benchmark::AddCustomContext("peak_f32_TFLOP/s", std::to_string(device.peak_f32_flops / 1e12));
  benchmark::AddCustomContext("peak_bf16_tensor_TFLOP/s", std::to_string(device.peak_bf16_tensor_flops / 1e12));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
