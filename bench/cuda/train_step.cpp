// One whole training step on the GPU — forward, cross-entropy, backward, AdamW update — of a ViT
// at 224 (ViT-B/16 by default) with bf16 autocast or in f32, as `vit_train --device cuda` runs it.
// Reports images/s and the model FLOP rate (6 x mult-adds per image: forward, and backward's two
// products per forward one) against the bf16 tensor-core peak, and the allocator's peak device
// memory. ViT-B/16 bf16 at batch 64, 128 and 256. Its PyTorch twin, on the same GPU:
//   python3 bench/train_step_torch.py --model vit_base_patch16_224 --batch 64
// Timed by the wall clock around whole steps (the step's host work and synchronisations count, as
// they do in training). On the SIMT interpreter a tiny ViT runs one step: a smoke test only.
#include <chrono>

#include "cuda_bench.h"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/cuda_api.h"
#include "runtime/cuda/device.h"
#include "vitcuda/vitcuda.h"

namespace {

using namespace vit;

ViTConfig bench_config(const char* preset) {
  if (!cuda::bench::interpreter()) return ViTConfig::preset(preset).with_classes(1000);
  ViTConfig tiny;  // a few interpreted milliseconds of work
  tiny.image_size = 16;
  tiny.patch_size = 8;
  tiny.dim = 32;
  tiny.depth = 1;
  tiny.heads = 2;
  tiny.num_classes = 10;
  return tiny;
}

void BM_train_step(benchmark::State& state, const char* preset, DType autocast) {
  const ViTConfig config = bench_config(preset);
  const std::int64_t batch = cuda::bench::pick(state.range(0), 2);
  ViT model(config, Device::cuda());
  model.set_autocast(autocast);
  model.train();
  optim::AdamW optimizer(model.named_parameters(), {.lr = 1e-4f, .weight_decay = 0.05f});
  Rng rng(0);
  const Tensor images =
      Tensor::randn({batch, config.in_channels, config.image_size, config.image_size}, rng).to(Device::cuda());
  std::vector<std::int32_t> label_values(batch);
  for (auto& label : label_values) label = static_cast<std::int32_t>(rng.next_u64() % config.num_classes);
  const Tensor labels = Tensor::from_int32(label_values, {batch}).to(Device::cuda());
  const auto step = [&] {
    Tape tape;
    const Tensor loss = cross_entropy(model.forward(images, tape), labels, 0.1f, tape);
    optimizer.zero_grad();
    tape.backward(loss);
    optimizer.step();
    CUDA_CHECK(cudaDeviceSynchronize());
  };
  step();  // warm-up: allocator pools, cuBLAS handles
  cuda::reset_peak_in_use();
  double seconds = 0.0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    step();
    const double step_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.SetIterationTime(step_seconds);
    seconds += step_seconds;
  }
  const double flops_per_step = 6.0 * static_cast<double>(summarize(model, batch).mult_adds);
  state.counters["images"] = benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["FLOP"] = benchmark::Counter(flops_per_step, benchmark::Counter::kIsIterationInvariantRate);
  // Device memory: the caching allocator's high-water mark over the timed steps (what its tensors
  // held, model and optimizer state included; not its cache or cuBLASLt's workspace).
  state.counters["peak_MiB"] = static_cast<double>(cuda::allocator_stats().peak_in_use_bytes) / (1 << 20);
  const double peak = cuda::device_info().peak_bf16_tensor_flops;
  if (peak > 0.0 && seconds > 0.0) {
    state.counters["of_bf16_peak"] = flops_per_step * static_cast<double>(state.iterations()) / seconds / peak;
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_train_step, vit_b16_bf16, "vit_b16", DType::bf16)
    ->Arg(64)
    ->Arg(128)
    ->Arg(256)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_train_step, vit_b16_f32, "vit_b16", DType::f32)->Arg(64)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_train_step, vit_s16_bf16, "vit_s16", DType::bf16)->Arg(128)->UseManualTime()->Unit(benchmark::kMillisecond);
