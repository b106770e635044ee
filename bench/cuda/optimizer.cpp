// CUDA multi-tensor AdamW and SGD over a ViT-S-sized parameter list (12 blocks of qkv, proj, fc1,
// fc2 weights and biases plus norms: ~21.7M float32 parameters in 148 tensors). AdamW moves 28
// bytes per parameter (reads p, g, m, v; writes p, m, v), SGD with momentum 20.
#include <vector>

#include "cuda_bench.h"
#include "kernels/cuda/optimizer.h"
#include "runtime/cuda/memory.h"

namespace {

using namespace vit::cuda;

std::vector<std::int64_t> vit_s_sizes() {
  const std::int64_t d = vit::cuda::bench::pick(384, 12);
  std::vector<std::int64_t> sizes;
  for (int block = 0; block < 12; ++block) {
    for (std::int64_t size : {d, d, 3 * d * d, 3 * d, d * d, d, d, d, 4 * d * d, 4 * d, 4 * d * d, d}) {
      sizes.push_back(size);
    }
  }
  for (std::int64_t size : {d, d, d * 1000, std::int64_t{1000}}) sizes.push_back(size);
  return sizes;
}

struct Parameters {
  std::vector<DeviceBuffer<float>> param, grad, m, v;
  std::int64_t total = 0;
  Parameters() {
    for (std::int64_t n : vit_s_sizes()) {
      for (auto* list : {&param, &grad, &m, &v}) {
        list->emplace_back(n);
        list->back().fill_bytes(0);
      }
      total += n;
    }
  }
};

void BM_adamw(benchmark::State& state) {
  Parameters p;
  std::vector<AdamWTensor> list;
  for (std::size_t t = 0; t < p.param.size(); ++t) {
    list.push_back({p.param[t].get(), p.grad[t].get(), p.m[t].get(), p.v[t].get(), static_cast<std::int64_t>(p.param[t].size())});
  }
  const vit::AdamWStep step{1e-3f, 0.9f, 0.999f, 1e-8f, 0.05f, 0.1f, 0.001f};
  bench::run_timed(state, {28.0 * p.total}, [&] { adamw_update(list, step, nullptr, nullptr, nullptr); });
}

void BM_sgd_momentum(benchmark::State& state) {
  Parameters p;
  std::vector<SgdTensor> list;
  for (std::size_t t = 0; t < p.param.size(); ++t) {
    list.push_back({p.param[t].get(), p.grad[t].get(), p.m[t].get(), static_cast<std::int64_t>(p.param[t].size())});
  }
  const vit::SgdStep step{0.1f, 0.9f, 1e-4f, false};
  bench::run_timed(state, {20.0 * p.total}, [&] { sgd_update(list, step, nullptr, nullptr, nullptr); });
}

}  // namespace

BENCHMARK(BM_adamw)->UseManualTime();
BENCHMARK(BM_sgd_momentum)->UseManualTime();
