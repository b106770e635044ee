// CUDA class token + position embedding at [B, 196 -> 197, 768] bf16: reads the tokens, writes
// the sequence (the position embedding is re-read from L2).
#include "cuda_bench.h"
#include "kernels/cuda/tokens.h"
#include "runtime/cuda/memory.h"

namespace {

using namespace vit::cuda;

void BM_class_pos_embed_forward(benchmark::State& state) {
  const std::int64_t batch = bench::pick(state.range(0), 2), n = bench::pick(196, 9), dim = bench::pick(768, 37);
  DeviceBuffer<vit::bfloat16> tokens(batch * n * dim), out(batch * (n + 1) * dim);
  DeviceBuffer<float> cls(dim), pos((n + 1) * dim);
  for (auto* b : {&cls, &pos}) b->fill_bytes(0);
  tokens.fill_bytes(0);
  bench::run_timed(state, {2.0 * (2 * n + 1) * dim * batch}, [&] {
    class_pos_embed_forward(tokens.get(), cls.get(), pos.get(), out.get(), batch, n, dim, nullptr);
  });
}

}  // namespace

BENCHMARK(BM_class_pos_embed_forward)->Arg(64)->UseManualTime();
