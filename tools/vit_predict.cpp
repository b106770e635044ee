// vit_predict: top-k classes of images (files or folders) with a vit_train checkpoint, and an
// attention-rollout map over one image. The run folder beside the checkpoint supplies
// config.json (the model) and class_indices.json (the class names).
//   vit_predict --checkpoint runs/x/best.safetensors [--topk 5] [--attention-map map.png] IMAGES...
#include <CLI/CLI.hpp>

#include <cstdio>

#include "vitcuda/data.h"
#include "vitcuda/train/predict.h"

using namespace vit;

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  CLI::App app("vit_predict: top-k classes and attention maps from a vit_train checkpoint");
  std::string checkpoint, attention_map;
  int topk = 5;
  std::vector<std::string> inputs;
  app.add_option("--checkpoint", checkpoint, "weights (.safetensors) in a vit_train run folder")->required();
  app.add_option("--topk", topk, "classes to print per image");
  app.add_option("--attention-map", attention_map, "PNG of the attention rollout over the (single) input image");
  app.add_option("images", inputs, "image files or folders")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    train::Predictor predictor(checkpoint);
    const std::vector<data::Sample> samples = data::list_images(inputs);
    VIT_CHECK(attention_map.empty() || samples.size() == 1, "--attention-map takes exactly one input image, got ",
              samples.size(), ".");
    VIT_CHECK(topk > 0, "--topk must be positive.");
    for (const train::ImagePrediction& prediction : predictor.predict(samples, topk)) {
      std::printf("%s\n", prediction.path.c_str());
      for (const train::ClassScore& score : prediction.top) {
        std::printf("  %6.2f%%  %s\n", 100.0 * score.probability, score.name.c_str());
      }
    }
    if (!attention_map.empty()) {
      data::write_file(attention_map, data::encode_png(predictor.attention_overlay(samples[0].path)));
      std::printf("attention map: %s\n", attention_map.c_str());
    }
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "vit_predict: %s\n", error.what());
    return 1;
  }
}
