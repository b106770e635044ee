// Whole training steps on the GPU — forward, cross-entropy (its loss and accuracy added up on the
// device), backward, AdamW update — of a ViT at 224 (ViT-B/16 by default) with bf16 autocast or in
// f32, as `vit_train --device cuda` runs them. Reports images/s and the model FLOP rate (6 x
// mult-adds per image: forward, and backward's two products per forward one) against the bf16
// tensor-core peak, and the allocator's peak device memory. ViT-B/16 bf16 at batch 64, 128 and
// 256, with the images already on the device, and at 256 with the trainer's input path as well
// ("upload_u8": a u8 host batch, as the loader hands it over, sent by BatchUpload each step and
// normalised in the patch embedding), eager and replayed from a CUDA graph as `vit_train
// --cuda-graph` does ("graph_upload_u8"). Its PyTorch twin, on the same GPU:
//   python3 bench/train_step_torch.py --model vit_base_patch16_224 --batch 64
// Timed by the wall clock around 4 steps queued back to back and one synchronisation (the steps'
// host work counts, as in training; an upload overlaps the step before it). On the SIMT
// interpreter a tiny ViT runs one step: a smoke test only.
#include <chrono>
#include <cstdlib>

#include "cuda_bench.h"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/cuda_api.h"
#include "runtime/cuda/device.h"
#include "vitcuda/train/batch_graph.h"
#include "vitcuda/vitcuda.h"

namespace {

using namespace vit;

ViTConfig bench_config(const char* preset) {
  // With VIT_SIM_SKIP_KERNELS the interpreter only does the host work and the allocations: the
  // real shapes then give the exact peak_MiB of the step, the times mean nothing.
  if (!cuda::bench::interpreter() || std::getenv("VIT_SIM_SKIP_KERNELS") != nullptr) {
    return ViTConfig::preset(preset).with_classes(1000);
  }
  ViTConfig tiny;  // a few interpreted milliseconds of work
  tiny.image_size = 16;
  tiny.patch_size = 8;
  tiny.dim = 32;
  tiny.depth = 1;
  tiny.heads = 2;
  tiny.num_classes = 10;
  return tiny;
}

enum class Input { on_device, upload_u8, graph_upload_u8 };

void BM_train_step(benchmark::State& state, const char* preset, DType autocast, Input input) {
  cuda::empty_cache();  // a variant's peak must not include blocks cached by the one before
  const ViTConfig config = bench_config(preset);
  const bool full_size = !cuda::bench::interpreter() || std::getenv("VIT_SIM_SKIP_KERNELS") != nullptr;
  const std::int64_t batch = full_size ? state.range(0) : 2, steps = cuda::bench::pick(4, 1);
  ViT model(config, Device::cuda());
  model.set_autocast(autocast);
  model.set_input_normalization(std::vector<float>(config.in_channels, 0.5f), std::vector<float>(config.in_channels, 0.5f));
  model.train();
  optim::AdamW optimizer(model.named_parameters(), {.lr = 1e-4f, .weight_decay = 0.05f});
  Rng rng(0);
  Tensor host_images = Tensor::empty({batch, config.in_channels, config.image_size, config.image_size}, DType::u8);
  for (std::int64_t i = 0; i < host_images.numel(); ++i) host_images.data<std::uint8_t>()[i] = rng.next_u64() & 0xff;
  std::vector<std::int32_t> label_values(batch);
  for (auto& label : label_values) label = static_cast<std::int32_t>(rng.next_u64() % config.num_classes);
  const Tensor host_labels = Tensor::from_int32(label_values, {batch});
  const Tensor device_images = host_images.to(Device::cuda()), device_labels = host_labels.to(Device::cuda());
  BatchUpload image_upload(Device::cuda()), label_upload(Device::cuda());
  LossTally tally(Device::cuda());
  const auto forward_backward = [&](const Tensor& images, const Tensor& labels) {
    Tape tape;
    const CrossEntropy loss = cross_entropy_and_correct(model.forward(images, tape), labels, 0.1f, tape);
    tally.add(loss, batch);
    tape.backward(loss.loss);
  };
  const auto eager_step = [&] {
    const bool upload = input != Input::on_device;
    forward_backward(upload ? image_upload.upload(host_images) : device_images,
                     upload ? label_upload.upload(host_labels) : device_labels);
    optimizer.step();
    optimizer.zero_grad();
  };
  eager_step();  // warm-up: allocator pools, cuBLAS handles, both upload buffers, optimizer state
  eager_step();
  train::BatchGraph graph;  // as vit_train --cuda-graph replays its steps
  const auto graph_step = [&] {
    model.begin_replayed_forward();
    optimizer.begin_step();
    graph.replay(image_upload.upload(host_images), label_upload.upload(host_labels),
                 [&](const Tensor& images, const Tensor& labels) {
                   forward_backward(images, labels);
                   optimizer.run_step();
                   optimizer.zero_grad();
                 });
  };
  if (input == Input::graph_upload_u8) graph_step();  // the capture, then its first replay
  const auto step = [&] { input == Input::graph_upload_u8 ? graph_step() : eager_step(); };
  CUDA_CHECK(cudaDeviceSynchronize());
  cuda::reset_peak_in_use();
  double seconds = 0.0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (std::int64_t s = 0; s < steps; ++s) step();
    CUDA_CHECK(cudaDeviceSynchronize());
    const double iteration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.SetIterationTime(iteration_seconds);
    seconds += iteration_seconds;
  }
  benchmark::DoNotOptimize(tally.read());
  const double flops_per_step = 6.0 * static_cast<double>(summarize(model, batch).mult_adds) * static_cast<double>(steps);
  state.counters["steps"] = static_cast<double>(steps);  // per iteration
  state.counters["images"] =
      benchmark::Counter(static_cast<double>(batch * steps), benchmark::Counter::kIsIterationInvariantRate);
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

BENCHMARK_CAPTURE(BM_train_step, vit_b16_bf16, "vit_b16", DType::bf16, Input::on_device)
    ->Arg(64)
    ->Arg(128)
    ->Arg(256)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_train_step, vit_b16_bf16_upload_u8, "vit_b16", DType::bf16, Input::upload_u8)
    ->Arg(256)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_train_step, vit_b16_bf16_graph_upload_u8, "vit_b16", DType::bf16, Input::graph_upload_u8)
    ->Arg(256)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_train_step, vit_b16_f32, "vit_b16", DType::f32, Input::on_device)
    ->Arg(64)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_train_step, vit_s16_bf16, "vit_s16", DType::bf16, Input::on_device)
    ->Arg(128)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
