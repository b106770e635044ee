// vit_train's run() end to end on a tiny generated image folder: the run folder's files, resume
// continuing bitwise like an uninterrupted run, evaluation, and clear errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "vitcuda/data.h"
#include "vitcuda/io/safetensors.h"
#include "vitcuda/train/trainer.h"

using namespace vit;
namespace fs = std::filesystem;

namespace {

// root/train/{a,b}/*.png and root/val/{a,b}/*.png: class a bright on the left, b on the right.
fs::path make_folder(const std::string& name) {
  const fs::path root = fs::temp_directory_path() / name;
  fs::remove_all(root);
  Rng rng(3);
  for (const char* split : {"train", "val"}) {
    for (int label = 0; label < 2; ++label) {
      const fs::path dir = root / split / (label == 0 ? "a" : "b");
      fs::create_directories(dir);
      for (int i = 0; i < (std::string(split) == "train" ? 6 : 2); ++i) {
        data::Image image;
        image.width = image.height = 8;
        image.channels = 3;
        image.pixels.resize(8 * 8 * 3);
        for (int p = 0; p < 8 * 8 * 3; ++p) {
          const bool left = (p / 3) % 8 < 4;
          image.pixels[p] = static_cast<std::uint8_t>((left == (label == 0) ? 200 : 40) + rng.uniform(0, 30));
        }
        const auto png = data::encode_png(image);
        std::ofstream(dir / (std::to_string(i) + ".png"), std::ios::binary)
            .write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
      }
    }
  }
  return root;
}

train::TrainConfig tiny_run(const fs::path& data, const fs::path& out) {
  train::TrainConfig c;
  c.data = data.string();
  c.out = out.string();
  c.model = "custom";
  c.img_size = 8;
  c.patch_size = 4;
  c.dim = 8;
  c.depth = 1;
  c.heads = 2;
  c.mlp_ratio = 2.0f;
  c.epochs = 2;
  c.batch_size = 4;
  c.workers = 2;
  c.lr = 1e-2f;
  c.sched = "const";
  c.drop_path = 0.1f;
  return c;
}

std::vector<float> weights_of(const fs::path& file) {
  std::vector<float> all;
  for (const auto& [name, tensor] : load_safetensors(file.string()).tensors) {
    const std::vector<float> values = tensor.to_vector();
    all.insert(all.end(), values.begin(), values.end());
  }
  return all;
}

int lines_in(const fs::path& file) {
  std::ifstream in(file);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

}  // namespace

TEST_CASE("train run: writes the run folder and resumes bitwise", "[train]") {
  const fs::path data = make_folder("vit_train_run_data"), base = fs::temp_directory_path() / "vit_train_runs";
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
  const fs::path data = make_folder("vit_train_bad_data"), out = fs::temp_directory_path() / "vit_train_bad_out";
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
