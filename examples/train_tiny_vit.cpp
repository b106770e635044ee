// The library API end to end, without vit_train: trains a tiny ViT with AdamW on random images
// with fixed random labels and prints the loss and accuracy as it memorises them. It shows the
// model, autograd and optimizer cycle a program of its own would write; it learns nothing real.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "vitcuda/vitcuda.h"

using namespace vit;

namespace {

float accuracy(const Tensor& logits, const Tensor& labels) {
  const std::int64_t rows = logits.size(0), classes = logits.size(1);
  int correct = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = logits.data<float>() + r * classes;
    correct += std::max_element(row, row + classes) - row == labels.data<std::int32_t>()[r];
  }
  return static_cast<float>(correct) / static_cast<float>(rows);
}

}  // namespace

int main() {
  ViTConfig config;
  config.image_size = 32;
  config.patch_size = 8;
  config.dim = 48;
  config.depth = 2;
  config.heads = 3;
  config.num_classes = 10;
  constexpr int samples = 64, steps = 60;

  ViT model(config);
  std::printf("%s", summarize(model, samples).to_string().c_str());
  optim::AdamW optimizer(model.named_parameters(), {.lr = 3e-3f, .weight_decay = 0.05f});

  Rng data_rng(1);
  const Tensor images = Tensor::randn({samples, 3, config.image_size, config.image_size}, data_rng);
  std::vector<std::int32_t> label_values(samples);
  for (auto& label : label_values) label = static_cast<std::int32_t>(data_rng.next_u64() % config.num_classes);
  const Tensor labels = Tensor::from_int32(label_values, {samples});

  std::printf("training on %d random images with random labels (memorising them)\n", samples);
  const auto start = std::chrono::steady_clock::now();
  for (int step = 1; step <= steps; ++step) {
    Tape tape;
    const Tensor logits = model.forward(images, tape);
    const Tensor loss = cross_entropy(logits, labels, 0.0f, tape);
    optimizer.zero_grad();
    tape.backward(loss);
    optimizer.step();
    if (step == 1 || step % 10 == 0) {
      std::printf("step %3d  loss %.4f  train acc %.2f\n", step, loss.item(), accuracy(logits, labels));
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d steps in %.2f s (%.0f images/s)\n", steps, seconds, steps * samples / seconds);
  return 0;
}
