// train::Predictor, what vit_predict is built on: it classifies images with a run's checkpoint
// exactly as the model's own forward does, refuses a checkpoint whose data file was changed, and
// draws the attention rollout over an image; data::list_images scans folders for images.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "train_run_fixtures.h"
#include "vitcuda/data/heatmap.h"
#include "vitcuda/layers/pretrained.h"
#include "vitcuda/train/predict.h"
#include "vitcuda/train/trainer.h"

using namespace vit;
namespace fs = std::filesystem;

TEST_CASE("predict: top classes are the softmax of the model's logits, best first", "[train]") {
  const fs::path data = testing::make_image_folder("vit_predict_data"), out = fs::temp_directory_path() / "vit_predict";
  fs::remove_all(out);
  REQUIRE(train::run(testing::tiny_run(data, out)) == 0);

  train::Predictor predictor(out / "best.safetensors");
  CHECK(predictor.classes() == std::vector<std::string>{"a", "b"});
  const std::vector<data::Sample> images = data::list_images({(data / "val").string()});
  REQUIRE(images.size() == 4);
  CHECK(std::is_sorted(images.begin(), images.end(), [](auto& x, auto& y) { return x.path < y.path; }));
  const std::vector<train::ImagePrediction> predictions = predictor.predict(images, 5);
  REQUIRE(predictions.size() == images.size());

  ViT model(predictor.config().model_config(2));
  load_weights(model, (out / "best.safetensors").string());
  model.eval();
  data::LoaderOptions options;
  options.batch_size = 4;
  options.shuffle = false;
  options.transform.mode = data::TransformOptions::Mode::eval;
  options.transform.size = predictor.config().img_size;
  options.transform.crop_pct = predictor.config().crop_pct;
  data::Loader loader(images, options);
  Tape tape;
  const Tensor logits_of_model = model.forward((*loader.epoch(0).begin()).images, tape);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const float* row = logits_of_model.data<float>() + i * 2;
    const double p_b = 1.0 / (1.0 + std::exp(static_cast<double>(row[0] - row[1])));
    const train::ClassScore& b = predictions[i].top[0].index == 1 ? predictions[i].top[0] : predictions[i].top[1];
    CHECK(b.probability == Approx(p_b).epsilon(1e-6));
    const train::ImagePrediction& p = predictions[i];
    CHECK(p.path == images[i].path);
    REQUIRE(p.top.size() == 2);  // k capped at the class count
    CHECK(p.top[0].probability >= p.top[1].probability);
    CHECK(p.top[0].probability + p.top[1].probability == Approx(1.0).epsilon(1e-9));
    CHECK(p.top[0].name == predictor.classes()[p.top[0].index]);
  }
  const std::vector<std::string> names = predictor.classes();
  const float logits[2] = {1.0f, 3.0f};
  const std::vector<train::ClassScore> top = train::top_classes(logits, names, 1);
  REQUIRE(top.size() == 1);
  CHECK(top[0].name == "b");
  CHECK(top[0].probability == Approx(1.0 / (1.0 + std::exp(-2.0))));

  const data::Image overlay = predictor.attention_overlay(images[0].path);
  CHECK(overlay.width == 224);  // 8-pixel inputs are enlarged 28 times
  CHECK(overlay.height == 224);
  CHECK(overlay.channels == 3);
  CHECK_THROWS_WITH(data::list_images({(out / "missing").string()}), Catch::Contains("does not exist"));
  CHECK_THROWS_WITH(predictor.predict(images, 0), Catch::Contains("must be positive"));

  {  // one byte changed in place: best.safetensors is a hard link to the data file the state hashes
    std::fstream file(out / "best.safetensors", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(-3, std::ios::end);
    file.put('\x7f');
  }
  CHECK_THROWS_WITH(train::Predictor(out / "best.safetensors"), Catch::Contains("does not match the SHA-256"));
  fs::remove_all(out);
}
