#include "vitcuda/train/predict.h"

#include <algorithm>
#include <cmath>

#include "vitcuda/data/heatmap.h"
#include "vitcuda/layers/attention_rollout.h"
#include "vitcuda/layers/pretrained.h"
#include "vitcuda/runtime/check.h"
#include "vitcuda/runtime/input_file.h"
#include "vitcuda/train/checkpoint.h"
#include "vitcuda/train/trainer.h"

namespace vit::train {

namespace fs = std::filesystem;

namespace {

TrainConfig run_config(const fs::path& checkpoint) {
  const fs::path path = checkpoint.parent_path() / "config.json";
  return TrainConfig::from_json(read_text_file(path, "run config (config.json, beside the checkpoint)"), TrainConfig{});
}

}  // namespace

std::vector<ClassScore> top_classes(const float* logits, const std::vector<std::string>& names, int k) {
  const int classes = static_cast<int>(names.size());
  VIT_CHECK(k > 0, "the number of top classes must be positive, got ", k, ".");
  const float largest = *std::max_element(logits, logits + classes);
  std::vector<double> probability(classes);
  double total = 0;
  for (int c = 0; c < classes; ++c) total += probability[c] = std::exp(static_cast<double>(logits[c] - largest));
  std::vector<int> order;
  top_k(logits, classes, k, order);
  std::vector<ClassScore> top;
  for (const int c : order) top.push_back({c, names[c], probability[c] / total});
  return top;
}

Predictor::Predictor(const fs::path& checkpoint)
    : config_(run_config(checkpoint)),
      classes_(data::ImageFolder::read_class_indices(checkpoint.parent_path())),
      model_(config_.model_config(static_cast<int>(classes_.size()))) {
  load_weights(model_, weights_file_to_load(checkpoint).string());
  model_.eval();
}

data::LoaderOptions Predictor::loader_options(bool normalize) const {
  data::LoaderOptions options;
  options.batch_size = 32;
  options.workers = 2;
  options.shuffle = false;
  options.channels = config_.in_channels;
  options.normalize = normalize;
  options.fail_on_corrupt = true;
  options.transform.mode = data::TransformOptions::Mode::eval;
  options.transform.size = config_.img_size;
  options.transform.crop_pct = config_.crop_pct;
  return options;
}

std::vector<ImagePrediction> Predictor::predict(const std::vector<data::Sample>& images, int k) {
  VIT_CHECK(k > 0, "the number of top classes must be positive, got ", k, ".");
  std::vector<ImagePrediction> predictions;
  data::Loader loader(images, loader_options(true));
  NoGradGuard no_grad;
  for (data::Batch& batch : loader.epoch(0)) {
    Tape tape;
    const Tensor logits = model_.forward(batch.images, tape);
    const int classes = static_cast<int>(classes_.size());
    for (std::int64_t i = 0; i < batch.labels.numel(); ++i) {
      const std::size_t index = static_cast<std::size_t>(batch.index * loader.options().batch_size + i);
      predictions.push_back({images[index].path, top_classes(logits.data<float>() + i * classes, classes_, k)});
    }
  }
  return predictions;
}

data::Image Predictor::attention_overlay(const std::string& image) {
  const std::vector<data::Sample> one{{image, 0}};
  data::Loader normalized(one, loader_options(true)), pixels(one, loader_options(false));
  const Tensor map = attention_rollout(model_, (*normalized.epoch(0).begin()).images);
  return data::heatmap_overlay(map, (*pixels.epoch(0).begin()).images);
}

}  // namespace vit::train
