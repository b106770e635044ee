#pragma once
// Counters shared by the benchmarks: work per iteration turned into rates by Google Benchmark.
#include <benchmark/benchmark.h>

namespace vit::bench {

inline void report_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["FLOP/s"] = benchmark::Counter(flops_per_iteration, benchmark::Counter::kIsIterationInvariantRate,
                                                benchmark::Counter::kIs1000);
}

inline void report_bytes(benchmark::State& state, double bytes_per_iteration) {
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes_per_iteration) * state.iterations());
}

}  // namespace vit::bench
