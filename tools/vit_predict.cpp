// vit_predict: top-k classes of images (files or folders) with a vit_train checkpoint, and an
// attention-rollout map over one image. The run folder beside the checkpoint supplies
// config.json (the model) and class_indices.json (the class names).
//   vit_predict --checkpoint runs/x/best.safetensors [--topk 5] [--attention-map map.png] IMAGES...
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "vitcuda/data.h"
#include "vitcuda/layers/attention_rollout.h"
#include "vitcuda/layers/pretrained.h"
#include "vitcuda/ops.h"
#include "vitcuda/runtime/input_file.h"
#include "vitcuda/train/checkpoint.h"
#include "vitcuda/train/train_config.h"
#include "vitcuda/train/trainer.h"

namespace fs = std::filesystem;
using namespace vit;

namespace {

std::vector<data::Sample> collect_images(const std::vector<std::string>& inputs) {
  std::vector<data::Sample> samples;
  for (const std::string& input : inputs) {
    VIT_CHECK(fs::exists(input), "'", input, "' does not exist.");
    if (fs::is_directory(input)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::recursive_directory_iterator(input)) {
        if (entry.is_regular_file() && data::is_image_file_name(entry.path())) found.push_back(entry.path().string());
      }
      std::sort(found.begin(), found.end());
      for (std::string& path : found) samples.push_back({std::move(path), 0});
    } else {
      samples.push_back({input, 0});
    }
  }
  VIT_CHECK(!samples.empty(), "no images found in the given inputs (.jpg, .jpeg, .png, .bmp).");
  return samples;
}

data::LoaderOptions eval_options(const train::TrainConfig& config, bool normalize) {
  data::LoaderOptions options;
  options.batch_size = 32;
  options.workers = 2;
  options.shuffle = false;
  options.channels = config.in_channels;
  options.normalize = normalize;
  options.fail_on_corrupt = true;
  options.transform.mode = data::TransformOptions::Mode::eval;
  options.transform.size = config.img_size;
  options.transform.crop_pct = config.crop_pct;
  return options;
}

// A blue-to-red colour for v in [0, 1] (the "jet" map).
void jet(float v, std::uint8_t* rgb) {
  auto channel = [](float x) { return static_cast<std::uint8_t>(255.0f * std::clamp(1.5f - std::abs(x), 0.0f, 1.0f)); };
  rgb[0] = channel(4.0f * v - 3.0f);
  rgb[1] = channel(4.0f * v - 2.0f);
  rgb[2] = channel(4.0f * v - 1.0f);
}

// The image as the model saw it, half blended with the rollout map upsampled bilinearly; small
// inputs are enlarged (nearest) to at least 224 pixels so the map can be seen.
void write_attention_map(const fs::path& path, const Tensor& map, const Tensor& pixels_u8) {
  const int grid = static_cast<int>(map.size(0)), channels = static_cast<int>(pixels_u8.size(1));
  const int size = static_cast<int>(pixels_u8.size(2)), zoom = (224 + size - 1) / size, out_size = size * zoom;
  data::Image out;
  out.width = out.height = out_size;
  out.channels = 3;
  out.pixels.resize(static_cast<std::size_t>(out_size) * out_size * 3);
  const float* m = map.data<float>();
  const std::uint8_t* image = pixels_u8.data<std::uint8_t>();
  for (int y = 0; y < out_size; ++y) {
    for (int x = 0; x < out_size; ++x) {
      const float gy = std::clamp((y + 0.5f) * grid / out_size - 0.5f, 0.0f, grid - 1.0f);
      const float gx = std::clamp((x + 0.5f) * grid / out_size - 0.5f, 0.0f, grid - 1.0f);
      const int y0 = static_cast<int>(gy), x0 = static_cast<int>(gx);
      const int y1 = std::min(y0 + 1, grid - 1), x1 = std::min(x0 + 1, grid - 1);
      const float fy = gy - y0, fx = gx - x0;
      const float v = (1 - fy) * ((1 - fx) * m[y0 * grid + x0] + fx * m[y0 * grid + x1]) +
                      fy * ((1 - fx) * m[y1 * grid + x0] + fx * m[y1 * grid + x1]);
      std::uint8_t colour[3];
      jet(v, colour);
      for (int c = 0; c < 3; ++c) {
        const std::size_t source = (static_cast<std::size_t>(c % channels) * size + y / zoom) * size + x / zoom;
        out.pixels[(static_cast<std::size_t>(y) * out_size + x) * 3 + c] =
            static_cast<std::uint8_t>((image[source] + colour[c]) / 2);
      }
    }
  }
  const std::vector<std::uint8_t> png = data::encode_png(out);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
  VIT_CHECK(file.good(), "cannot write the attention map '", path.string(), "'.");
}

}  // namespace

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
    const fs::path run_dir = fs::path(checkpoint).parent_path();
    const train::TrainConfig config =
        train::TrainConfig::from_json(read_text_file(run_dir / "config.json", "the run's config"), train::TrainConfig{});
    const std::vector<std::string> names = data::ImageFolder::read_class_indices(run_dir);
    ViT model(config.model_config(static_cast<int>(names.size())));
    // A vit_train checkpoint is checked against its state's SHA-256; another safetensors file is read as it is.
    const fs::path state = run_dir / (fs::path(checkpoint).stem().string() + ".state.json");
    load_weights(model, fs::exists(state) ? train::verified_weights_file(checkpoint).string() : checkpoint);
    model.eval();
    const std::vector<data::Sample> samples = collect_images(inputs);
    VIT_CHECK(attention_map.empty() || samples.size() == 1, "--attention-map takes exactly one input image, got ",
              samples.size(), ".");
    VIT_CHECK(topk > 0, "--topk must be positive.");

    data::Loader loader(samples, eval_options(config, true));
    NoGradGuard no_grad;
    for (data::Batch& batch : loader.epoch(0)) {
      Tape tape;
      const Tensor logits = model.forward(batch.images, tape);
      const int classes = static_cast<int>(names.size()), k = std::min(topk, classes);
      for (std::int64_t i = 0; i < batch.labels.numel(); ++i) {
        const float* row = logits.data<float>() + i * classes;
        const float largest = *std::max_element(row, row + classes);
        std::vector<double> probability(classes);
        double total = 0;
        for (int c = 0; c < classes; ++c) total += probability[c] = std::exp(static_cast<double>(row[c] - largest));
        std::vector<int> order;
        train::top_k(row, classes, k, order);
        std::printf("%s\n", samples[batch.index * loader.options().batch_size + i].path.c_str());
        for (int j = 0; j < k; ++j) std::printf("  %6.2f%%  %s\n", 100.0 * probability[order[j]] / total, names[order[j]].c_str());
      }
    }
    if (!attention_map.empty()) {
      data::Loader pixels(samples, eval_options(config, false));
      const data::Batch image_u8 = *pixels.epoch(0).begin();
      const Tensor normalized = (*loader.epoch(0).begin()).images;
      write_attention_map(attention_map, attention_rollout(model, normalized), image_u8.images);
      std::printf("attention map: %s\n", attention_map.c_str());
    }
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "vit_predict: %s\n", error.what());
    return 1;
  }
}
