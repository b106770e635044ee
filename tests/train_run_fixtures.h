#pragma once
// What the end-to-end tests of train::run share (tests/test_train_run.cpp on the cpu,
// tests/cuda/test_train_cuda.cpp on cuda): a tiny image folder, a tiny run's config, and the
// values of a checkpoint's tensors or a model's parameters as one vector.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "vitcuda/data.h"
#include "vitcuda/io/safetensors.h"
#include "vitcuda/runtime/named_tensor.h"
#include "vitcuda/runtime/rng.h"
#include "vitcuda/train/train_config.h"

namespace vit::testing {

// <temp>/<name>/{train,val}/{a,b}/*.png, 6 train and 2 val 8x8 images per class: class a bright
// on the left, b on the right.
inline std::filesystem::path make_image_folder(const std::string& name) {
  namespace fs = std::filesystem;
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

// Two epochs of 3 steps of a one-block ViT on the cpu.
inline train::TrainConfig tiny_run(const std::filesystem::path& data, const std::filesystem::path& out) {
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

// The number of lines in a text file (0 when it is missing), e.g. metrics.csv's header + epochs.
inline int lines_in(const std::filesystem::path& file) {
  std::ifstream in(file);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

inline void append_values(std::vector<float>& all, const Tensor& tensor) {
  const std::vector<float> values = tensor.to_vector();
  all.insert(all.end(), values.begin(), values.end());
}

// Every tensor, in name order, as one vector.
inline std::vector<float> values_of(const std::map<std::string, Tensor>& tensors) {
  std::vector<float> all;
  for (const auto& [name, tensor] : tensors) append_values(all, tensor);
  return all;
}

// A model's parameters, in its order, as one vector.
inline std::vector<float> values_of(const std::vector<NamedTensor>& params) {
  std::vector<float> all;
  for (const NamedTensor& p : params) append_values(all, p.tensor);
  return all;
}

inline std::vector<float> weights_of(const std::filesystem::path& file) {
  return values_of(load_safetensors(file.string()).tensors);
}

}  // namespace vit::testing
