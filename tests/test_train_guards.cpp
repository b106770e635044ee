// train::run stops with one clear sentence instead of writing something wrong: non-finite weights
// are never saved (nor ranked "best"), and an epoch with no decodable training image is an error.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

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
