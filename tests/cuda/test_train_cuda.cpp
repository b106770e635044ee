// The whole train step on cuda against the cpu backend: a tiny ViT (with dropout, drop-path and
// the pre-logits tanh) built from the same init, trained a few steps on the same random batch,
// must give the same losses (1e-4 relative) and final weights (1e-4 absolute: parameters are of
// order 1 or smaller, and Adam's early steps of about lr per weight make a relative error on
// parameters near zero, such as LayerNorm biases, meaningless).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>

#include "kernel_check.h"
#include "op_compare.h"
#include "../tiny_vit.h"
#include "../train_run_fixtures.h"
#include "vitcuda/train/checkpoint.h"
#include "vitcuda/train/trainer.h"
#include "vitcuda/vitcuda.h"

using namespace vit;
using namespace vit::cuda::testing;
namespace fs = std::filesystem;

namespace {

double max_abs_difference(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double difference = std::abs(static_cast<double>(got[i]) - want[i]);
    worst = std::isnan(difference) ? INFINITY : std::max(worst, difference);
  }
  return worst;
}

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(ViT&)>;

struct Run {
  std::vector<float> losses;
  std::vector<nn::NamedTensor> params;
};

Run train(Device device, const MakeOptimizer& make_optimizer, int steps, float clip) {
  ViT model(vit::testing::tiny_vit_config_all_paths(), device);
  const auto optimizer = make_optimizer(model);
  const Tensor images = random_tensor({3, 3, 8, 8}, 30).to(device);
  const Tensor labels = Tensor::from_int32({2, 0, 1}, {3}).to(device);
  Run run;
  for (int step = 0; step < steps; ++step) {
    Tape tape;
    const Tensor loss = cross_entropy(model.forward(images, tape), labels, 0.1f, tape);
    optimizer->zero_grad();
    tape.backward(loss);
    if (clip > 0.0f) optim::clip_grad_norm(model.named_parameters(), clip);
    optimizer->step();
    run.losses.push_back(loss.item());
  }
  run.params = model.named_parameters();
  return run;
}

// train::run on cuda: 2 epochs straight and 1 + --resume end bitwise equal; best and last load
// into a cuda model and optimizer as saved, and serve --eval-only and --pretrained.
void check_run_and_resume(const std::string& amp) {
  const fs::path data = testing::make_image_folder("vit_cuda_train_run_data_" + amp);
  const fs::path base = fs::temp_directory_path() / ("vit_cuda_train_runs_" + amp);
  fs::remove_all(base);
  const auto config = [&](const std::string& name) {
    train::TrainConfig c = testing::tiny_run(data, base / name);
    c.device = "cuda";
    c.amp = amp;
    c.batch_size = 6;  // 2 steps per epoch: the interpreter is slow
    return c;
  };

  REQUIRE(train::run(config("straight")) == 0);
  train::TrainConfig first = config("resumed");
  first.epochs = 1;
  REQUIRE(train::run(first) == 0);
  train::TrainConfig second = config("resumed");
  second.resume = (base / "resumed").string();
  REQUIRE(train::run(second) == 0);
  CHECK(testing::weights_of(base / "resumed" / "last.safetensors") ==
        testing::weights_of(base / "straight" / "last.safetensors"));

  for (const std::string name : {"best", "last"}) {
    INFO(name);
    const fs::path weights = base / "straight" / (name + ".safetensors");
    ViT model(config(name).model_config(2), Device::cuda());
    optim::AdamW optimizer(model.named_parameters(), {});
    CHECK(train::load_checkpoint(weights, model, optimizer).epoch >= 1);
    std::map<std::string, Tensor> params;
    for (const nn::NamedTensor& p : model.named_parameters()) {
      CHECK(p.tensor.device() == Device::cuda());
      params[p.name] = p.tensor;
    }
    CHECK(testing::values_of(params) == testing::weights_of(weights));
    CHECK(testing::values_of(optimizer.state()) ==
          testing::weights_of(base / "straight" / (name + ".optim.safetensors")));

    train::TrainConfig evaluate = config("eval_" + name);
    evaluate.resume = weights.string();
    evaluate.eval_only = true;
    CHECK(train::run(evaluate) == 0);
    train::TrainConfig fine_tune = config("pretrained_" + name);
    fine_tune.pretrained = weights.string();
    fine_tune.eval_only = true;
    CHECK(train::run(fine_tune) == 0);
  }
}

void check_same_training(const MakeOptimizer& make_optimizer, int steps, float clip) {
  const Run want = train(Device::cpu(), make_optimizer, steps, clip);
  const Run got = train(Device::cuda(), make_optimizer, steps, clip);
  for (int step = 0; step < steps; ++step) {
    INFO("step " << step << ": cpu loss " << want.losses[step] << ", cuda loss " << got.losses[step]);
    CHECK(std::abs(got.losses[step] - want.losses[step]) <= 1e-4 * std::abs(want.losses[step]));
  }
  REQUIRE(got.params.size() == want.params.size());
  for (std::size_t i = 0; i < want.params.size(); ++i) {
    INFO("parameter " << want.params[i].name);
    CHECK(got.params[i].tensor.device() == Device::cuda());
    CHECK(max_abs_difference(got.params[i].tensor.to_vector(), want.params[i].tensor.to_vector()) <= 1e-4);
  }
}

}  // namespace

TEST_CASE("cuda model: cpu and cuda models start bitwise equal", "[cuda][model]") {
  const ViT on_cpu(vit::testing::tiny_vit_config_all_paths(), Device::cpu());
  const ViT on_cuda(vit::testing::tiny_vit_config_all_paths(), Device::cuda());
  const auto want = on_cpu.named_parameters(), got = on_cuda.named_parameters();
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("parameter " << want[i].name);
    CHECK(got[i].tensor.device() == Device::cuda());
    CHECK(got[i].tensor.requires_grad());
    CHECK(got[i].tensor.to_vector() == want[i].tensor.to_vector());
  }
}

TEST_CASE("cuda model: three AdamW steps match the cpu backend", "[cuda][model]") {
  check_same_training([](ViT& m) {
    return std::make_unique<optim::AdamW>(m.named_parameters(), optim::AdamWOptions{.lr = 1e-2f, .weight_decay = 0.05f});
  }, 3, 0.0f);
}

TEST_CASE("cuda model: SGD with momentum and gradient clipping match the cpu backend", "[cuda][model]") {
  check_same_training([](ViT& m) {
    return std::make_unique<optim::SGD>(m.named_parameters(),
                                        optim::SGDOptions{.lr = 0.1f, .momentum = 0.9f, .weight_decay = 1e-4f, .nesterov = true});
  }, 2, 0.05f);
}

TEST_CASE("cuda model: images on another device than the model are refused", "[cuda][model][errors]") {
  ViT model(vit::testing::tiny_vit_config_all_paths(), Device::cuda());
  Tape tape;
  CHECK_THROWS_WITH(model.forward(Tensor::zeros({1, 3, 8, 8}), tape),
                    Catch::Contains("patch_embed: argument 'weight' is on cuda:0 but 'images' is on cpu"));
}

TEST_CASE("cuda train run: checkpoints save from the device and resume bitwise", "[cuda][train]") {
  check_run_and_resume("off");
}

TEST_CASE("cuda train run: bf16 autocast saves and resumes bitwise", "[cuda][train][amp]") {
  check_run_and_resume("bf16");
}

// 12 training images in batches of 5: per epoch two full batches (the first one of the run eager,
// the rest replayed from the graph captured at the second) and a last one of 2, eager.
TEST_CASE("cuda train run: steps replayed from a CUDA graph give the eager run's bits, and resume",
          "[cuda][train][graph]") {
  const fs::path data = testing::make_image_folder("vit_cuda_graph_run_data");
  const fs::path base = fs::temp_directory_path() / "vit_cuda_graph_runs";
  fs::remove_all(base);
  const auto config = [&](const std::string& name, const std::string& graph) {
    train::TrainConfig c = testing::tiny_run(data, base / name);
    c.device = "cuda";  // tiny_run has drop-path
    c.batch_size = 5;
    c.sched = "cosine";  // a new learning rate every step
    c.clip_grad = 1.0f;
    c.cuda_graph = graph;
    return c;
  };
  REQUIRE(train::run(config("eager", "off")) == 0);
  REQUIRE(train::run(config("graph", "on")) == 0);
  for (const std::string file : {"last.safetensors", "last.optim.safetensors", "best.safetensors"}) {
    INFO(file);
    CHECK(testing::weights_of(base / "graph" / file) == testing::weights_of(base / "eager" / file));
  }
  const auto losses = [](const fs::path& metrics) {  // metrics.csv without its img/s column
    std::ifstream in(metrics);
    std::vector<std::string> rows;
    for (std::string line; std::getline(in, line);) rows.push_back(line.substr(0, line.rfind(',')));
    return rows;
  };
  CHECK(losses(base / "graph" / "metrics.csv") == losses(base / "eager" / "metrics.csv"));

  // Resumed after one epoch (a constant rate: a cosine schedule's length is the run's epochs).
  train::TrainConfig straight = config("straight", "on"), first = config("resumed", "on");
  straight.sched = first.sched = "const";
  REQUIRE(train::run(straight) == 0);
  first.epochs = 1;
  REQUIRE(train::run(first) == 0);
  train::TrainConfig second = first;
  second.epochs = straight.epochs;
  second.resume = (base / "resumed").string();
  REQUIRE(train::run(second) == 0);
  CHECK(testing::weights_of(base / "resumed" / "last.safetensors") ==
        testing::weights_of(base / "straight" / "last.safetensors"));
}
