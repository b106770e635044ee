#pragma once
// Classifying images with a trained run, as vit_predict does, for C++ programs too: the run's
// config and class names, the checkpoint's weights (checked against its state's SHA-256 when it
// is a vit_train checkpoint), the evaluation transforms, softmax and top-k, and the attention
// rollout over an image.
//   vit::train::Predictor predictor("runs/exp/best.safetensors");
//   for (const auto& p : predictor.predict(vit::data::list_images({"photos"}), 3)) ...
#include <filesystem>
#include <string>
#include <vector>

#include "vitcuda/data/image.h"
#include "vitcuda/data/image_folder.h"
#include "vitcuda/data/loader.h"
#include "vitcuda/layers/vit.h"
#include "vitcuda/train/train_config.h"

namespace vit::train {

struct ClassScore {
  int index = 0;
  std::string name;
  double probability = 0.0;  // softmax over all classes
};

struct ImagePrediction {
  std::string path;
  std::vector<ClassScore> top;  // best first
};

// Softmax over the logits of `names.size()` classes, then the k most probable (k is capped at the
// class count), best first.
std::vector<ClassScore> top_classes(const float* logits, const std::vector<std::string>& names, int k);

class Predictor {
 public:
  // A checkpoint of a vit_train run folder: <run>/<name>.safetensors, with config.json and
  // class_indices.json beside it (any safetensors file with timm names works, unchecked). Runs on
  // the cpu.
  explicit Predictor(const std::filesystem::path& checkpoint);

  const TrainConfig& config() const { return config_; }
  const std::vector<std::string>& classes() const { return classes_; }

  // The k most probable classes of each image, in order; an image that cannot be decoded throws
  // naming it.
  std::vector<ImagePrediction> predict(const std::vector<data::Sample>& images, int k);
  // The image as the model sees it (the evaluation resize and crop), with the attention rollout
  // over it (data::heatmap_overlay).
  data::Image attention_overlay(const std::string& image);

 private:
  data::LoaderOptions loader_options(bool normalize) const;

  TrainConfig config_;
  std::vector<std::string> classes_;
  ViT model_;
};

}  // namespace vit::train
