// Placeholder main job until vit_train lands: trains a tiny ViT, written with the op-level API,
// on random images with fixed random labels using plain SGD, and prints the loss and accuracy
// as it memorises them. It shows the whole forward/backward path working end to end.
#include <chrono>
#include <cstdio>
#include <vector>

#include "vitcuda/vitcuda.h"

using namespace vit;

namespace {

struct Config {
  int image = 32, channels = 3, patch = 8, dim = 48, depth = 2, heads = 3, mlp = 96, classes = 10;
  int samples = 64, steps = 100;
  float lr = 0.1f;
};

struct Params {
  std::vector<Tensor> all;
  Rng rng{0};
  Tensor make(const Shape& shape, float stddev) {
    Tensor t = stddev > 0 ? Tensor::randn(shape, rng, stddev) : Tensor::zeros(shape);
    all.push_back(t.set_requires_grad());
    return t;
  }
  Tensor ones(const Shape& shape) {
    all.push_back(Tensor::full(shape, 1.0f).set_requires_grad());
    return all.back();
  }
};

struct BlockParams {
  Tensor norm1_w, norm1_b, qkv_w, qkv_b, proj_w, proj_b, norm2_w, norm2_b, fc1_w, fc1_b, fc2_w, fc2_b;
};

struct TinyViT {
  Config cfg;
  Params p;
  Tensor patch_w, patch_b, cls, pos, norm_w, norm_b, head_w, head_b;
  std::vector<BlockParams> blocks;

  explicit TinyViT(const Config& c) : cfg(c) {
    const int d = c.dim, tokens = (c.image / c.patch) * (c.image / c.patch) + 1;
    patch_w = p.make({d, c.channels, c.patch, c.patch}, 0.02f);
    patch_b = p.make({d}, 0);
    cls = p.make({1, 1, d}, 0.02f);
    pos = p.make({1, tokens, d}, 0.02f);
    for (int i = 0; i < c.depth; ++i) {
      blocks.push_back({p.ones({d}), p.make({d}, 0), p.make({3 * d, d}, 0.02f), p.make({3 * d}, 0),
                        p.make({d, d}, 0.02f), p.make({d}, 0), p.ones({d}), p.make({d}, 0),
                        p.make({c.mlp, d}, 0.02f), p.make({c.mlp}, 0), p.make({d, c.mlp}, 0.02f),
                        p.make({d}, 0)});
    }
    norm_w = p.ones({d});
    norm_b = p.make({d}, 0);
    head_w = p.make({c.classes, d}, 0.02f);
    head_b = p.make({c.classes}, 0);
  }

  Tensor forward(const Tensor& images, Tape& t) {
    constexpr float eps = 1e-6f;
    Tensor x = add(concat_class_token(cls, patch_embed(images, patch_w, patch_b, t), t), pos, t);
    for (const BlockParams& b : blocks) {
      Tensor attn = attention(linear(layer_norm(x, b.norm1_w, b.norm1_b, eps, t), b.qkv_w, b.qkv_b, t), cfg.heads, t);
      x = add(x, linear(attn, b.proj_w, b.proj_b, t), t);
      Tensor hidden = gelu(linear(layer_norm(x, b.norm2_w, b.norm2_b, eps, t), b.fc1_w, b.fc1_b, t), t);
      x = add(x, linear(hidden, b.fc2_w, b.fc2_b, t), t);
    }
    return linear(select_token(layer_norm(x, norm_w, norm_b, eps, t), 0, t), head_w, head_b, t);
  }
};

float accuracy(const Tensor& logits, const Tensor& labels) {
  const std::int64_t rows = logits.size(0), classes = logits.size(1);
  const float* l = logits.data<float>();
  int correct = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = l + r * classes;
    correct += std::max_element(row, row + classes) - row == labels.data<std::int32_t>()[r];
  }
  return static_cast<float>(correct) / static_cast<float>(rows);
}

}  // namespace

int main() {
  const Config cfg;
  TinyViT model(cfg);
  Rng data_rng(1);
  const Tensor images = Tensor::randn({cfg.samples, cfg.channels, cfg.image, cfg.image}, data_rng);
  std::vector<std::int32_t> label_values(cfg.samples);
  for (auto& label : label_values) label = static_cast<std::int32_t>(data_rng.next_u64() % cfg.classes);
  const Tensor labels = Tensor::from_int32(label_values, {cfg.samples});

  std::printf("tiny ViT: %dx%d images, patch %d, dim %d, depth %d, heads %d; %d random images, %d classes\n",
              cfg.image, cfg.image, cfg.patch, cfg.dim, cfg.depth, cfg.heads, cfg.samples, cfg.classes);
  const auto start = std::chrono::steady_clock::now();
  for (int step = 1; step <= cfg.steps; ++step) {
    Tape tape;
    const Tensor logits = model.forward(images, tape);
    const Tensor loss = cross_entropy(logits, labels, 0.0f, tape);
    for (const Tensor& param : model.p.all) param.zero_grad();
    tape.backward(loss);
    for (const Tensor& param : model.p.all) {  // plain SGD until the optimizers land
      float* w = param.data<float>();
      const float* g = param.grad().data<float>();
      for (std::int64_t i = 0; i < param.numel(); ++i) w[i] -= cfg.lr * g[i];
    }
    if (step == 1 || step % 10 == 0) {
      std::printf("step %3d  loss %.4f  train acc %.2f\n", step, loss.item(), accuracy(logits, labels));
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d steps in %.2f s (%.0f images/s)\n", cfg.steps, seconds, cfg.steps * cfg.samples / seconds);
  return 0;
}
