// A training step captured in a CUDA graph and replayed gives the eager step's bits: the batch is
// copied into the graph's input each step, and the dropout seed, the learning rate and Adam's
// bias corrections, which change every step, reach the captured kernels through device memory
// (ViT::begin_replayed_forward, Optimizer::begin_step). In the interpreter build the graph is a recording of the
// launches, and a replay makes no host wait. A capture that would wait for the device fails and leaves the stream
// usable.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "../tiny_vit.h"
#include "../train_run_fixtures.h"
#include "kernel_check.h"
#include "op_compare.h"
#include "runtime/cuda/caching_allocator.h"
#include "vitcuda/runtime/cuda_graph.h"
#include "vitcuda/vitcuda.h"
#if VIT_CUDA_SIM
#include "runtime/simt/host_sync.h"
#endif

using namespace vit;
using namespace vit::cuda::testing;

namespace {

constexpr int kSteps = 5;

struct GraphRun {
  std::vector<float> weights;
  LossTally::Sums sums;
  std::int64_t replay_waits = 0;
};

// kSteps AdamW steps (clipped, a new learning rate each step) on a new batch each step: eager, or
// two eager steps and the rest from a graph captured at the third.
GraphRun train_steps(DType autocast, bool graph) {
  ViT model(testing::tiny_vit_config_all_paths(), Device::cuda());  // dropout, drop-path, pre-logits
  model.set_autocast(autocast);
  optim::AdamW optimizer(model.named_parameters(), optim::AdamWOptions{.lr = 1e-2f});
  optimizer.set_clip_grad_norm(0.5f);
  LossTally tally(Device::cuda());
  std::vector<Tensor> batches;
  for (int k = 0; k < kSteps; ++k) batches.push_back(random_tensor({3, 3, 8, 8}, 60 + k).to(Device::cuda()));
  Tensor input = Tensor::empty({3, 3, 8, 8}, DType::f32, Device::cuda());  // the graph's input
  const Tensor labels = Tensor::from_int32({2, 0, 1}, {3}).to(Device::cuda());
  const auto forward_backward = [&] {
    Tape tape;
    const CrossEntropy loss = cross_entropy_and_correct(model.forward(input, tape), labels, 0.1f, tape);
    tally.add(loss, 3);
    tape.backward(loss.loss);
  };
  std::unique_ptr<CudaGraph> step;
  GraphRun run;
  for (int k = 0; k < kSteps; ++k) {
    input.copy_from(batches[k]);
    optimizer.set_lr(1e-2f / static_cast<float>(k + 1));
    if (!graph || k < 2) {
      forward_backward();
      optimizer.step();
      optimizer.zero_grad();
      continue;
    }
    model.begin_replayed_forward();  // this step's dropout seed, read by the captured forward
    optimizer.begin_step();          // this step's numbers, read by the captured run_step
#if VIT_CUDA_SIM
    const std::int64_t before = simt::host_synchronizations();
#endif
    if (!step) {  // records, runs nothing
      step = std::make_unique<CudaGraph>([&] {
        forward_backward();
        optimizer.run_step();
        optimizer.zero_grad();
      });
    }
    step->replay();
#if VIT_CUDA_SIM
    if (k > 2) run.replay_waits += simt::host_synchronizations() - before;
#endif
  }
  run.weights = testing::values_of(model.named_parameters());
  run.sums = tally.read();
  return run;
}

}  // namespace

TEST_CASE("cuda graph: a replayed training step gives the eager step's bits", "[cuda][graph]") {
  for (const DType autocast : {DType::f32, DType::bf16}) {
    INFO("autocast " << dtype_name(autocast));
    const GraphRun eager = train_steps(autocast, false), replayed = train_steps(autocast, true);
    CHECK(replayed.weights == eager.weights);
    CHECK(replayed.sums.loss_sum == eager.sums.loss_sum);
    CHECK(replayed.sums.correct == eager.sums.correct);
    CHECK(replayed.replay_waits == 0);
  }
}

TEST_CASE("cuda graph: the replays do the work, on what the input holds at each", "[cuda][graph]") {
  const Tensor x = Tensor::full({5}, 1.0f, DType::f32, Device::cuda()),
               y = Tensor::full({5}, 2.0f, DType::f32, Device::cuda());
  Tensor sum;
  NoGradGuard no_grad;
  const CudaGraph graph([&] {
    Tape tape;
    sum = add(x, y, tape);
  });
#if VIT_CUDA_SIM
  CHECK(std::isnan(sum.to_vector()[0]));  // captured, not run: still the allocator's NaN poison
#endif
  graph.replay();
  CHECK(sum.to_vector() == std::vector<float>(5, 3.0f));
  Tensor(x).copy_from(Tensor::full({5}, 10.0f, DType::f32, Device::cuda()));
  graph.replay();
  CHECK(sum.to_vector() == std::vector<float>(5, 12.0f));
}

TEST_CASE("cuda graph: the graph keeps the memory its capture used until it is destroyed", "[cuda][graph]") {
  const Tensor x = Tensor::full({5}, 1.0f, DType::f32, Device::cuda()),
               y = Tensor::full({5}, 2.0f, DType::f32, Device::cuda());
  NoGradGuard no_grad;
  cuda::empty_cache();
  const std::size_t base = cuda::allocator_stats().in_use_bytes;
  {
    Tensor kept;
    const CudaGraph graph([&] {
      Tape tape;
      const Tensor partial = add(x, y, tape);  // freed on the host at the end of the capture
      kept = add(partial, y, tape);
    });
    CHECK(cuda::allocator_stats().in_use_bytes == base + 2 * 512);  // two 512-byte blocks, both the graph's
    kept = Tensor();
    CHECK(cuda::allocator_stats().in_use_bytes == base + 2 * 512);
    graph.replay();
  }
  CHECK(cuda::allocator_stats().in_use_bytes == base);
}

TEST_CASE("cuda graph: a wait for the device fails the capture and leaves the stream usable", "[cuda][graph]") {
  const Tensor x = Tensor::full({3}, 2.0f, DType::f32, Device::cuda());
  CHECK_THROWS_WITH(CudaGraph([&] { (void)x.to_vector(); }), Catch::Contains("capturing"));
  CHECK(x.to_vector() == std::vector<float>(3, 2.0f));
  const Tensor y = Tensor::full({3}, 5.0f, DType::f32, Device::cuda());
  CHECK(y.to_vector() == std::vector<float>(3, 5.0f));
}
