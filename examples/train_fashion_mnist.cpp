// The main job until vit_train lands: trains a small ViT on Fashion-MNIST (an image folder made
// by tools/fashion_mnist_to_folder) on the cpu with the library's loader, model and AdamW, then
// reports validation accuracy per class and predicts a few validation images.
//   train_fashion_mnist DATA_DIR [EPOCHS]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "vitcuda/vitcuda.h"

using namespace vit;

namespace {

constexpr int kBatch = 128;

data::LoaderOptions loader_options(bool train) {
  data::LoaderOptions options;
  options.batch_size = kBatch;
  options.workers = 2;
  options.channels = 1;
  options.shuffle = train;
  options.transform.size = 28;
  options.transform.mode = train ? data::TransformOptions::Mode::train : data::TransformOptions::Mode::eval;
  options.transform.scale_min = 0.7f;  // mild crops: the objects fill these small images
  options.transform.crop_pct = 1.0f;
  return options;
}

std::int32_t argmax(const float* row, std::int64_t n) {
  return static_cast<std::int32_t>(std::max_element(row, row + n) - row);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up at once, even in a pipe
  if (argc < 2) {
    std::fprintf(stderr, "usage: train_fashion_mnist DATA_DIR [EPOCHS]\n");
    return 2;
  }
  try {
    const int epochs = argc > 2 ? std::stoi(argv[2]) : 3;
    const data::ImageFolder folder = data::ImageFolder::scan(argv[1]);
    const auto& classes = folder.classes();

    ViTConfig config;
    config.image_size = 28;
    config.patch_size = 7;
    config.in_channels = 1;
    config.num_classes = static_cast<int>(classes.size());
    config.dim = 64;
    config.depth = 4;
    config.heads = 4;
    config.mlp_ratio = 2.0f;
    ViT model(config);
    std::printf("%s", summarize(model, kBatch).to_string().c_str());

    data::Loader train(folder.train(), loader_options(true)), val(folder.val(), loader_options(false));
    const std::int64_t steps = epochs * train.batches_per_epoch();
    optim::AdamW optimizer(model.named_parameters(), {.lr = 2e-3f, .weight_decay = 0.05f});
    std::printf("%lld training and %lld validation images, %d classes, %d epochs of %lld steps\n",
                static_cast<long long>(train.size()), static_cast<long long>(val.size()), config.num_classes,
                epochs, static_cast<long long>(train.batches_per_epoch()));

    std::int64_t step = 0;
    for (int epoch = 0; epoch < epochs; ++epoch) {
      model.train();
      const auto start = std::chrono::steady_clock::now();
      double loss_sum = 0;
      std::int64_t seen = 0;
      for (data::Batch& batch : train.epoch(epoch)) {
        optimizer.set_lr(2e-3f * 0.5f * (1.0f + std::cos(3.14159265f * static_cast<float>(step++) / steps)));
        Tape tape;
        const Tensor loss = cross_entropy(model.forward(batch.images, tape), batch.labels, 0.1f, tape);
        optimizer.zero_grad();
        tape.backward(loss);
        optimizer.step();
        loss_sum += loss.item() * batch.labels.numel();
        seen += batch.labels.numel();
        if (batch.index % 100 == 0) std::printf("  epoch %d step %lld loss %.4f\n", epoch + 1, static_cast<long long>(batch.index), loss.item());
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

      model.eval();
      NoGradGuard no_grad;
      std::vector<std::int64_t> correct(classes.size()), total(classes.size());
      for (data::Batch& batch : val.epoch(0)) {
        Tape tape;
        const Tensor logits = model.forward(batch.images, tape);
        for (std::int64_t i = 0; i < batch.labels.numel(); ++i) {
          const std::int32_t label = batch.labels.data<std::int32_t>()[i];
          correct[label] += argmax(logits.data<float>() + i * config.num_classes, config.num_classes) == label;
          ++total[label];
        }
      }
      std::int64_t all_correct = 0, all_total = 0;
      for (std::size_t c = 0; c < classes.size(); ++c) {
        all_correct += correct[c];
        all_total += total[c];
      }
      std::printf("epoch %d: train loss %.4f, %.0f images/s; validation accuracy %.2f%%\n", epoch + 1,
                  loss_sum / static_cast<double>(seen), static_cast<double>(seen) / seconds,
                  100.0 * static_cast<double>(all_correct) / static_cast<double>(all_total));
      if (epoch + 1 == epochs) {
        for (std::size_t c = 0; c < classes.size(); ++c) {
          std::printf("  %-14s %.1f%%\n", classes[c].c_str(), 100.0 * static_cast<double>(correct[c]) / static_cast<double>(total[c]));
        }
      }
    }

    // A few validation images spread over the classes, through a loader of their own.
    std::vector<data::Sample> picks;
    for (std::size_t i = 0; i < 8; ++i) picks.push_back(folder.val()[i * folder.val().size() / 8 + i]);
    data::Loader pick_loader(picks, loader_options(false));
    const data::Batch batch = *pick_loader.epoch(0).begin();
    model.eval();
    NoGradGuard no_grad;
    Tape tape;
    const Tensor logits = model.forward(batch.images, tape);
    std::printf("predictions for a few validation images:\n");
    for (std::size_t i = 0; i < picks.size(); ++i) {
      const std::int32_t predicted = argmax(logits.data<float>() + i * config.num_classes, config.num_classes);
      std::printf("  %-32s -> %s\n", picks[i].path.substr(std::string(argv[1]).size()).c_str(), classes[predicted].c_str());
    }
    return 0;
  } catch (const Error& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
}
