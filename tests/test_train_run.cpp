// vit_train's run() end to end on a tiny generated image folder: the run folder's files, resume
// continuing bitwise like an uninterrupted run (also after Ctrl-C), evaluation, and clear errors.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "train_run_fixtures.h"
#include "vitcuda/train/trainer.h"

using namespace vit;
using namespace vit::testing;
namespace fs = std::filesystem;

TEST_CASE("train run: writes the run folder and resumes bitwise", "[train]") {
  const fs::path data = make_image_folder("vit_train_run_data"), base = fs::temp_directory_path() / "vit_train_runs";
  fs::remove_all(base);

  train::TrainConfig straight = tiny_run(data, base / "straight");
  REQUIRE(train::run(straight) == 0);
  for (const char* file : {"config.json", "class_indices.json", "metrics.csv", "last.safetensors",
                           "last.optim.safetensors", "last.state.json", "best.safetensors", "confusion_best.csv"}) {
    INFO(file);
    CHECK(fs::exists(base / "straight" / file));
  }
  CHECK(lines_in(base / "straight" / "metrics.csv") == 3);  // header + 2 epochs
  bool has_events = false;
  for (const auto& entry : fs::directory_iterator(base / "straight")) {
    has_events |= entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0;
  }
  CHECK(has_events);

  train::TrainConfig first = tiny_run(data, base / "resumed");
  first.epochs = 1;
  REQUIRE(train::run(first) == 0);
  train::TrainConfig second = tiny_run(data, base / "resumed");
  second.resume = (base / "resumed").string();
  REQUIRE(train::run(second) == 0);
  CHECK(weights_of(base / "resumed" / "last.safetensors") == weights_of(base / "straight" / "last.safetensors"));
  CHECK(lines_in(base / "resumed" / "metrics.csv") == 3);

  train::TrainConfig evaluate_only = tiny_run(data, base / "eval");
  evaluate_only.resume = (base / "straight").string();
  evaluate_only.eval_only = true;
  CHECK(train::run(evaluate_only) == 0);
}

TEST_CASE("train run: bad input is one clear sentence", "[train]") {
  const fs::path data = make_image_folder("vit_train_bad_data"), out = fs::temp_directory_path() / "vit_train_bad_out";
  train::TrainConfig c = tiny_run(data, out);
  c.num_classes = 5;
  CHECK_THROWS_WITH(train::run(c), Catch::Contains("--num-classes 5 does not match the 2 class folders"));
  c = tiny_run(fs::temp_directory_path() / "no_such_folder_here", out);
  CHECK_THROWS_WITH(train::run(c), Catch::Contains("no_such_folder_here"));
  c = tiny_run(data, out);
  c.opt = "adam";
  CHECK_THROWS_WITH(train::run(c), Catch::Contains("--opt must be adamw or sgd"));
  c = tiny_run(data, out);
  c.amp = "bf16";
  CHECK_THROWS_WITH(train::run(c), Catch::Contains("--amp bf16 needs --device cuda"));
  c = tiny_run(data, out);
  c.pretrained = (fs::temp_directory_path() / "missing.safetensors").string();
  CHECK_THROWS_WITH(train::run(c), Catch::Contains("cannot open"));
  CHECK_THROWS_WITH(train::TrainConfig::from_json(R"({"batchsize": 3})", train::TrainConfig{}),
                    Catch::Contains("unknown key 'batchsize'"));
}

TEST_CASE("train run: --global-pool avg reaches the model and config.json", "[train][global_pool]") {
  const fs::path data = make_image_folder("vit_train_avg_data"), out = fs::temp_directory_path() / "vit_train_avg_out";
  fs::remove_all(out);
  train::TrainConfig c = tiny_run(data, out);
  c.epochs = 1;
  CHECK(c.global_pool == "token");
  CHECK(c.model_config(2).global_pool == "token");
  c.global_pool = "avg";
  CHECK(c.model_config(2).global_pool == "avg");
  REQUIRE(train::run(c) == 0);
  std::ifstream in(out / "config.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains(R"("global_pool": "avg")"));
  CHECK(train::TrainConfig::from_json(text, train::TrainConfig{}).global_pool == "avg");
  const auto tensors = load_safetensors((out / "last.safetensors").string()).tensors;
  CHECK(tensors.count("fc_norm.weight") == 1);
  CHECK(tensors.count("norm.weight") == 0);
  // A config.json from before the flag reads as the token model.
  CHECK(train::TrainConfig::from_json("{}", train::TrainConfig{}).global_pool == "token");
  c.global_pool = "max";
  CHECK_THROWS_WITH(train::run(c), Catch::Contains("--global-pool must be token or avg, got 'max'"));
}

TEST_CASE("train config: --amp auto is bf16 autocast on cuda and f32 on cpu", "[train]") {
  train::TrainConfig c;
  c.data = "unused";
  CHECK(c.amp == "auto");
  CHECK_FALSE(c.bf16_autocast());
  c.device = "cuda";
  CHECK(c.bf16_autocast());
  c.amp = "off";
  CHECK_FALSE(c.bf16_autocast());
  c.amp = "fp16";
  CHECK_THROWS_WITH(c.validate(), Catch::Contains("--amp must be auto, bf16 or off, got 'fp16'"));
}

TEST_CASE("train run: --cuda-graph is used where it can be, and on is refused where it cannot", "[train]") {
  train::TrainConfig c;
  c.data = "unused";
  CHECK(c.cuda_graph == "auto");
  CHECK_FALSE(c.use_cuda_graph());  // cpu
  c.device = "cuda";
  c.drop_path = 0.1f;
  CHECK(c.use_cuda_graph());
  c.grad_accum = 2;
  CHECK_FALSE(c.use_cuda_graph());  // a graph replays whole optimizer steps
  c.cuda_graph = "on";
  CHECK_THROWS_WITH(c.validate(), Catch::Contains("--cuda-graph on needs --device cuda and --grad-accum 1"));
  c.grad_accum = 1;
  c.cuda_graph = "sometimes";
  CHECK_THROWS_WITH(c.validate(), Catch::Contains("--cuda-graph must be auto, on or off, got 'sometimes'"));
  c.cuda_graph = "off";
  CHECK_FALSE(c.use_cuda_graph());
}

TEST_CASE("train run: Ctrl-C saves last and exits 130 and --resume finishes like a straight run", "[train]") {
  const fs::path data = make_image_folder("vit_train_sigint_data"), base = fs::temp_directory_path() / "vit_train_sigint";
  fs::remove_all(base);
  constexpr int epochs = 150;  // about 0.3 s of training: the signal lands well before the end

  train::TrainConfig straight = tiny_run(data, base / "straight");
  straight.epochs = epochs;
  REQUIRE(train::run(straight) == 0);

  // The interrupted run would go on for a very long time: it can only end through the signal, so
  // SIGINT never reaches the default handler (which run() restores when it returns). The constant
  // schedule makes the epoch count irrelevant to the weights.
  train::TrainConfig interrupted = tiny_run(data, base / "interrupted");
  interrupted.epochs = 1000000;
  int status = -1;
  std::thread training([&] { status = train::run(interrupted); });
  // run() installs its SIGINT handler before the first epoch; the first metrics line comes after.
  const fs::path metrics = base / "interrupted" / "metrics.csv";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (lines_in(metrics) < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const bool first_epoch_done = lines_in(metrics) >= 2;
  std::raise(SIGINT);
  training.join();
  REQUIRE(first_epoch_done);
  REQUIRE(status == 130);
  const int epochs_done = lines_in(metrics) - 1;
  INFO("interrupted after " << epochs_done << " epochs");
  CHECK(epochs_done < epochs);
  CHECK(fs::exists(base / "interrupted" / "last.safetensors"));

  train::TrainConfig resumed = tiny_run(data, base / "interrupted");
  resumed.epochs = epochs;
  resumed.resume = (base / "interrupted").string();
  REQUIRE(train::run(resumed) == 0);
  CHECK(weights_of(base / "interrupted" / "last.safetensors") == weights_of(base / "straight" / "last.safetensors"));
  CHECK(lines_in(metrics) == epochs + 1);
}
