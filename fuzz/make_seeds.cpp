// Writes the seed inputs of the fuzz targets, small valid files of every kind each reader takes,
// into FOLDER/<target>/seed-*: the start of corpus/ (fuzz/README.md says how the corpus grows).
//   fuzz_make_seeds fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "data_fixtures.h"
#include "tiny_vit.h"
#include "vitcuda/data/image.h"
#include "vitcuda/data/image_folder.h"
#include "vitcuda/io/safetensors.h"
#include "vitcuda/layers/pretrained.h"
#include "vitcuda/optim/optimizer.h"
#include "vitcuda/train/checkpoint.h"
#include "vitcuda/train/scheduler.h"
#include "vitcuda/train/train_config.h"

namespace fs = std::filesystem;
using namespace vit;

namespace {

fs::path g_root;

fs::path seed(const std::string& target, const std::string& name) {
  fs::create_directories(g_root / target);
  return g_root / target / ("seed-" + name);
}

void copy(const fs::path& from, const std::string& target, const std::string& name) {
  fs::copy_file(from, seed(target, name), fs::copy_options::overwrite_existing);
}

void safetensors_seeds() {
  Rng rng(1);
  save_safetensors(seed("safetensors", "mixed").string(),
                   {{"f32", Tensor::randn({2, 3}, rng)},
                    {"bf16", Tensor::randn({5}, rng).to(DType::bf16)},
                    {"i32", Tensor::from_int32({1, -2, 3}, {3})},
                    {"scalar", Tensor::randn({}, rng)}},
                   {{"format", "pt"}});
  save_safetensors(seed("safetensors", "empty").string(), {});
  ViT model(testing::tiny_vit_config(), Device::cpu(), 0);
  save_weights(model, seed("safetensors", "tiny_vit").string());
}

void image_seeds() {
  const data::Image rgb = test::ramp_image(33, 21, 3), gray = test::ramp_image(19, 9, 1);
  test::write_jpeg(seed("jpeg", "rgb"), rgb, 90);
  test::write_jpeg(seed("jpeg", "gray"), gray, 75);
  test::write_jpeg(seed("jpeg", "cmyk"), test::ramp_image(16, 8, 4), 80);
  test::write_png(seed("png", "rgb"), rgb);
  test::write_png(seed("png", "gray"), gray);
  test::write_png(seed("png", "gray_alpha"), test::ramp_image(7, 5, 2));
  test::write_png(seed("png", "rgba"), test::ramp_image(9, 4, 4));
  test::write_png16(seed("png", "rgb16"), 3, 2, 3, {0, 1, 2, 300, 4000, 50000, 65535, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17});
  test::write_palette_png(seed("png", "palette"), 4, 2, {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}}, {0, 1, 2, 0, 1, 2, 2, 1});
  test::write_bmp(seed("bmp", "bottom_up"), test::ramp_image(13, 7, 3));
  test::write_bmp(seed("bmp", "top_down"), test::ramp_image(6, 5, 3), /*top_down=*/true);
}

void checkpoint_state_seeds() {
  const test::TempDir run;
  ViT model(testing::tiny_vit_config(), Device::cpu(), 0);
  optim::AdamW optimizer(model.named_parameters(), {.lr = 1e-3f});
  const train::Scheduler plateau({.kind = train::SchedulerOptions::Kind::plateau});
  const train::TrainingState state{.epoch = 3, .step = 12, .best_metric = 0.625f, .scheduler = plateau.state(),
                                   .config = train::TrainConfig{}.to_json(), .data_seed = 42};
  train::save_checkpoint(run.path(), "last", model, optimizer, state);
  copy(run / "last.state.json", "checkpoint_state", "plateau");
  train::TrainingState first = state;
  first.best_metric = -1.0f / 0.0f;  // no best yet: saved as null
  first.scheduler = train::Scheduler({}).state();
  train::save_checkpoint(run.path(), "best", model, optimizer, first);
  copy(run / "best.state.json", "checkpoint_state", "cosine_no_best");
}

void config_seeds() {
  std::ofstream(seed("train_config", "defaults")) << train::TrainConfig{}.to_json();
  std::ofstream(seed("train_config", "custom")) << R"({"model": "custom", "patch_size": 4, "dim": 64, "depth": 6,
  "heads": 4, "img_size": 28, "in_channels": 1, "lr": 1e-3, "sched": "plateau", "seed": 7, "data": "fmnist"})";
  std::ofstream(seed("class_indices", "two")) << R"({"0": "cat", "1": "dog"})";
  std::ofstream(seed("class_indices", "unicode")) << R"({"1": "Bl\u00e5b\u00e6r", "0": "zebra", "2": "\u732b"})";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds FOLDER\n");
    return 2;
  }
  g_root = argv[1];
  safetensors_seeds();
  image_seeds();
  checkpoint_state_seeds();
  config_seeds();
  std::printf("seeds written under %s\n", g_root.c_str());
  return 0;
}
