#pragma once
// Shared by the CUDA benchmarks: kernel timing with CUDA events (several launches per timed
// iteration, so launch gaps do not dominate microsecond kernels) and the reported rates with
// their fraction of the device's peak. On the SIMT interpreter (VIT_CUDA=SIM) the shapes are tiny
// and the figures only show that the benchmark runs.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>

namespace vit::cuda::bench {

enum class Peak { bandwidth, f32_cores, bf16_tensor_cores };

struct Work {
  double bytes = 0;  // DRAM traffic of one run (each operand once)
  double flops = 0;
  Peak peak = Peak::bandwidth;
};

bool interpreter();
// The real shape's value, or the tiny one on the interpreter.
inline std::int64_t pick(std::int64_t gpu, std::int64_t interpreter_value) { return interpreter() ? interpreter_value : gpu; }

// Times `run` (kernels on the default stream) and sets the counters TB/s or TFLOP/s and of_peak.
// Register the benchmark with ->UseManualTime().
void run_timed(benchmark::State& state, const Work& work, const std::function<void()>& run);

}  // namespace vit::cuda::bench
