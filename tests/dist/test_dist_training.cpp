// Data-parallel training against one process, as the issue states it: two processes with half
// the batch each (their shards of one seeded order, gradients averaged by the GradReducer) take
// the same steps as one process with the whole batch. Every process also runs the one-process
// reference itself, outside the group, and compares.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "tiny_vit.h"
#include "train_run_fixtures.h"
#include "vitcuda/train/evaluation.h"
#include "vitcuda/vitcuda.h"
#include "world.h"

using namespace vit;
using testing::dist_devices;
using testing::world;

namespace {

struct Run {
  std::vector<double> losses;  // per step, the mean over the step's whole batch
  std::vector<float> weights;  // after the last step
};

// Trains the tiny ViT (AdamW) for `epochs` on `samples`, `batch` images per step per process; with
// `group`, each process reads its shard and the gradients are averaged over the group.
Run train_tiny(const std::vector<data::Sample>& samples, int batch, int epochs, Device device,
               dist::ProcessGroup* group) {
  ViT model(testing::tiny_vit_config(), device, 5);
  optim::AdamW optimizer(model.named_parameters(), {.lr = 3e-3f, .weight_decay = 0.05f});
  data::LoaderOptions options{.batch_size = batch, .workers = 1, .seed = 11, .transform = {.size = 8}};
  options.transform.scale_min = 0.5f;  // random crops and flips, keyed by sample: the same on any process
  std::unique_ptr<dist::GradReducer> reducer;
  if (group != nullptr) {
    options.shard_index = group->rank();
    options.shard_count = group->size();
    for (const NamedTensor& p : model.named_parameters()) group->broadcast(p.tensor, 0);
    reducer = std::make_unique<dist::GradReducer>(*group, model.named_parameters(), 256);  // several buckets
  }
  data::Loader loader(samples, options);
  Run run;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    for (data::Batch& batch_data : loader.epoch(epoch)) {
      Tape tape;
      const Tensor loss =
          cross_entropy(model.forward(batch_data.images.to(device), tape), batch_data.labels.to(device), 0.1f, tape);
      optimizer.zero_grad();
      double value = loss.item();
      if (reducer) {
        reducer->begin();
        tape.backward(loss, Tensor::full({}, 1.0f, DType::f32, device), [&] { reducer->on_backward_progress(); });
        reducer->finish();
        group->all_reduce_sum(std::span<double>(&value, 1));
        value /= group->size();
      } else {
        tape.backward(loss);
      }
      optimizer.step();
      run.losses.push_back(value);
    }
  }
  run.weights = testing::values_of(model.named_parameters());
  return run;
}

}  // namespace

TEST_CASE("two processes with half batches take the steps of one process with the whole batch", "[dist]") {
  const data::ImageFolder folder = data::ImageFolder::scan(testing::make_image_folder("dist_equivalence"), {});
  REQUIRE(folder.train().size() == 12);
  for (const Device device : dist_devices()) {
    INFO("device " << device.str());
    const Run one = train_tiny(folder.train(), 4, 3, device, nullptr);  // 3 steps an epoch
    const Run two = train_tiny(folder.train(), 2, 3, device, &world());
    REQUIRE(one.losses.size() == 9);
    REQUIRE(two.losses.size() == one.losses.size());
    for (std::size_t step = 0; step < one.losses.size(); ++step) {
      INFO("step " << step);
      CHECK(std::abs(two.losses[step] - one.losses[step]) <= 1e-5);
    }
    // The same weights within float rounding: the mean of two half-batch gradients is the
    // whole-batch gradient summed in another order.
    REQUIRE(two.weights.size() == one.weights.size());
    double worst = 0;
    for (std::size_t i = 0; i < one.weights.size(); ++i)
      worst = std::max(worst, double(std::abs(two.weights[i] - one.weights[i])));
    CHECK(worst <= 1e-5);
    // Every process holds the same bits.
    std::vector<double> sums(2, 0.0);
    for (const float w : two.weights) sums[0] += w, sums[1] += double(w) * w;
    std::vector<double> total = sums;
    world().all_reduce_sum(total);
    CHECK(total[0] == 2 * sums[0]);
    CHECK(total[1] == 2 * sums[1]);
    // The steps change the weights: the comparison is not of two untrained models.
    const Run untrained = train_tiny(folder.train(), 4, 0, device, nullptr);
    double moved = 0;
    for (std::size_t i = 0; i < one.weights.size(); ++i)
      moved = std::max(moved, double(std::abs(untrained.weights[i] - one.weights[i])));
    CHECK(moved > 1e-3);
  }
}

TEST_CASE("sharded evaluation counts every image once and gives the whole set's figures", "[dist]") {
  const data::ImageFolder folder = data::ImageFolder::scan(testing::make_image_folder("dist_evaluation"), {});
  std::vector<data::Sample> samples = folder.train();
  samples.pop_back();  // 11: shards of 6 and 5
  for (const Device device : dist_devices()) {
    INFO("device " << device.str());
    ViT model(testing::tiny_vit_config(), device, 9);
    data::LoaderOptions options{.batch_size = 4, .workers = 1, .shuffle = false, .transform = {.size = 8}};
    options.transform.mode = data::TransformOptions::Mode::eval;
    data::Loader whole(samples, options);
    options.shard_index = world().rank();
    options.shard_count = world().size();
    options.pad_shards = false;
    data::Loader shard(samples, options);
    const train::EvalResult one = train::evaluate(model, whole, 0.1f);
    const train::EvalResult two = train::Evaluator(model, shard, 0.1f, false, &world()).run();
    CHECK(one.images == 11);
    CHECK(two.images == 11);
    CHECK(two.top1 == one.top1);
    CHECK(two.top5 == one.top5);
    CHECK(std::abs(two.loss - one.loss) <= 1e-6);
    for (int truth = 0; truth < 3; ++truth) {
      for (int predicted = 0; predicted < 3; ++predicted) {
        CHECK(two.confusion.count(truth, predicted) == one.confusion.count(truth, predicted));
      }
    }
  }
}
