// train::run stops with one clear sentence instead of writing something wrong: non-finite weights
// are never saved (nor ranked "best"), and an epoch with no decodable training image is an error.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "train_run_fixtures.h"
#include "vitcuda/train/trainer.h"

using namespace vit;
using namespace vit::testing;
namespace fs = std::filesystem;

namespace {

// Every checkpoint file the run left holds finite values only.
void check_saved_weights_finite(const fs::path& out) {
  for (const char* name : {"best.safetensors", "last.safetensors", "best.optim.safetensors", "last.optim.safetensors"}) {
    if (!fs::exists(out / name)) continue;
    INFO(name);
    for (float v : weights_of(out / name)) REQUIRE(std::isfinite(v));
  }
}

}  // namespace

TEST_CASE("train guards: a huge learning rate stops the run and saves nothing non-finite", "[train]") {
  const fs::path data = make_image_folder("vit_train_nan_data"), base = fs::temp_directory_path() / "vit_train_nan";
  for (const char* opt : {"adamw", "sgd"}) {
    for (float lr : {1e6f, 1e30f, 1e38f}) {
      INFO(opt << " lr " << lr);
      const fs::path out = base / (std::string(opt) + std::to_string(static_cast<int>(std::log10(lr))));
      fs::remove_all(out);
      train::TrainConfig c = tiny_run(data, out);
      c.opt = opt;
      c.lr = lr;
      c.epochs = 4;
      c.batch_size = 12;  // one step an epoch: weights that blow up in it meet evaluation first, not a loss
      CHECK_THROWS_WITH(train::run(c), Catch::Contains("training stopped") && Catch::Contains("--lr"));
      check_saved_weights_finite(out);
    }
  }
}

TEST_CASE("train guards: an epoch with no decodable training image is an error", "[train]") {
  const fs::path data = make_image_folder("vit_train_corrupt_data"), out = fs::temp_directory_path() / "vit_train_corrupt";
  fs::remove_all(out);
  for (const auto& entry : fs::recursive_directory_iterator(data / "train")) {
    if (entry.is_regular_file()) std::ofstream(entry.path(), std::ios::trunc) << "not an image";
  }
  CHECK_THROWS_WITH(train::run(tiny_run(data, out)), Catch::Contains("no training image"));
  CHECK_FALSE(fs::exists(out / "best.safetensors"));
}

namespace {

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("train guards: --resume continues in its folder and never writes into another run", "[train]") {
  const fs::path data = make_image_folder("vit_train_two_runs_data"), base = fs::temp_directory_path() / "vit_train_two_runs";
  fs::remove_all(base);
  for (const char* name : {"a", "b"}) {
    train::TrainConfig c = tiny_run(data, base / name);
    c.epochs = 1;
    c.seed = name[0];
    REQUIRE(train::run(c) == 0);
  }
  const std::string b_best = bytes_of(base / "b" / "best.safetensors"), b_config = bytes_of(base / "b" / "config.json");

  train::TrainConfig into_b = tiny_run(data, base / "b");
  into_b.resume = (base / "a").string();
  CHECK_THROWS_WITH(train::run(into_b), Catch::Contains("holds another run") && Catch::Contains("leave out --out"));
  CHECK(bytes_of(base / "b" / "best.safetensors") == b_best);
  CHECK(bytes_of(base / "b" / "config.json") == b_config);

  train::TrainConfig continue_a = tiny_run(data, "");
  continue_a.resume = (base / "a" / "last.safetensors").string();
  REQUIRE(train::run(continue_a) == 0);
  CHECK(lines_in(base / "a" / "metrics.csv") == 3);  // header + epochs 1 and 2, both in a
}

TEST_CASE("train guards: Ctrl-C stops a run whose epochs have one batch", "[train]") {
  const fs::path data = make_image_folder("vit_train_one_batch_data"), out = fs::temp_directory_path() / "vit_train_one_batch";
  fs::remove_all(out);
  constexpr int epochs = 3000;  // several seconds: a run that ignores the signal ends by itself and fails
  train::TrainConfig c = tiny_run(data, out);
  c.batch_size = 12;  // every training image in one batch
  c.epochs = epochs;
  int status = -1;
  std::thread training([&] { status = train::run(c); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(out / "last.state.json") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::raise(SIGINT);
  training.join();
  CHECK(status == 130);
  CHECK(lines_in(out / "metrics.csv") - 1 < epochs);
}

TEST_CASE("train guards: values out of range are one clear sentence", "[train]") {
  const fs::path data = make_image_folder("vit_train_range_data"), out = fs::temp_directory_path() / "vit_train_range";
  const auto refused = [&](const std::function<void(train::TrainConfig&)>& change, const std::string& message) {
    train::TrainConfig c = tiny_run(data, out);
    change(c);
    INFO(message);
    CHECK_THROWS_WITH(train::run(c), Catch::Contains(message));
  };
  refused([](auto& c) { c.momentum = 10; }, "--momentum must be in [0, 1)");
  refused([](auto& c) { c.lr = INFINITY; }, "--lr must be positive and finite");
  refused([](auto& c) { c.weight_decay = -1; }, "--weight-decay must be >= 0");
  refused([](auto& c) { c.img_size = 2147483646, c.patch_size = 1073741823; }, "--img-size must be between 1 and 8192");
  refused([](auto& c) { c.workers = 1000; }, "--workers must be between 1 and 256");
  // The schedule here is cosine, which reads none of these: they used to pass unchecked.
  refused([](auto& c) { c.factor = NAN; }, "--factor must be in (0, 1)");
  refused([](auto& c) { c.step_size = -1; }, "--step-size must be at least one epoch");
  refused([](auto& c) { c.patience = -1; }, "--patience must not be negative");
  refused([](auto& c) { c.resume = "somewhere", c.pretrained = "weights.safetensors"; }, "drop --pretrained");
  CHECK_THROWS_WITH(Tensor::empty({std::int64_t{1} << 40, std::int64_t{1} << 40}, DType::f32),
                    Catch::Contains("more elements than a 64-bit count holds"));
}

TEST_CASE("train guards: a resumed step outside its epoch is refused", "[train]") {
  const fs::path data = make_image_folder("vit_train_step_data"), out = fs::temp_directory_path() / "vit_train_step";
  fs::remove_all(out);
  train::TrainConfig c = tiny_run(data, out);
  c.epochs = 1;
  REQUIRE(train::run(c) == 0);
  std::string state = bytes_of(out / "last.state.json");
  const std::string step = "\"step\": 3";  // 12 images, batch 4: one epoch is 3 steps
  REQUIRE(state.find(step) != std::string::npos);
  for (const char* edited : {"\"step\": 1000", "\"step\": 4611686018427387904"}) {
    std::string text = state;
    std::ofstream(out / "last.state.json", std::ios::trunc) << text.replace(text.find(step), step.size(), edited);
    train::TrainConfig resumed = tiny_run(data, "");
    resumed.resume = out.string();
    INFO(edited);
    CHECK_THROWS_WITH(train::run(resumed), Catch::Contains("edited by hand, or the data or --batch-size changed"));
  }
}
