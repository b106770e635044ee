#include <catch2/catch.hpp>

#include <algorithm>

#include "tiny_vit.h"
#include "vitcuda/data.h"
#include "vitcuda/layers/attention_rollout.h"
#include "vitcuda/vitcuda.h"

using namespace vit;

namespace {

ViTConfig tiny() { return testing::tiny_vit_config(); }

}  // namespace

TEST_CASE("vit: presets have timm's dimensions and ViT-B/16 has 86.6M parameters", "[vit]") {
  const ViTConfig b16 = ViTConfig::preset("vit_b16");
  CHECK((b16.dim == 768 && b16.depth == 12 && b16.heads == 12 && b16.patch_size == 16 && b16.tokens() == 197));
  const ViTConfig l32 = ViTConfig::preset("vit_l32");
  CHECK((l32.dim == 1024 && l32.depth == 24 && l32.heads == 16 && l32.patch_size == 32));
  CHECK(ViTConfig::preset_names().size() == 6);
  CHECK_THROWS_WITH(ViTConfig::preset("vit_h14"), Catch::Contains("unknown model 'vit_h14'"));

  const ViT model(b16);
  CHECK(model.parameter_count() == 86567656);
  const ModelSummary summary = summarize(model);
  CHECK(summary.total_params == 86567656);
  CHECK(summary.trainable_params == 86567656);
  const std::string table = summary.to_string();
  CHECK_THAT(table, Catch::Contains("Total params: 86.6M (86567656)"));
  CHECK_THAT(table, Catch::Contains("blocks.11.attn (Attention)"));
  // Linear layers and patch projection: 17.44G; attention's two products add 0.14G per image.
  CHECK(summary.mult_adds == Approx(17.58e9).epsilon(0.005));

  const ViT s16(ViTConfig::preset("vit_s16").with_classes(10));
  CHECK(s16.parameter_count() == 21669514);  // timm vit_small_patch16_224 with a 10-class head
}

TEST_CASE("vit: parameter names follow timm", "[vit]") {
  ViTConfig config = tiny();
  config.representation_size = 5;
  const ViT model(config);
  std::vector<std::string> names;
  for (const nn::NamedTensor& p : model.named_parameters()) names.push_back(p.name);
  CHECK(names.size() == 4 + 12 * 2 + 2 + 2 + 2);
  CHECK(names.front() == "cls_token");
  CHECK(std::count(names.begin(), names.end(), "blocks.1.attn.qkv.weight") == 1);
  CHECK(std::count(names.begin(), names.end(), "blocks.0.mlp.fc2.bias") == 1);
  CHECK(std::count(names.begin(), names.end(), "pre_logits.fc.weight") == 1);
  CHECK(names.back() == "head.bias");
  CHECK(model.parameter("pos_embed").shape() == Shape{1, 5, 8});
  CHECK(model.parameter("patch_embed.proj.weight").shape() == Shape{8, 3, 4, 4});
}

TEST_CASE("vit: init follows timm", "[vit]") {
  const ViT model(ViTConfig::preset("vit_ti16"));
  const std::vector<float> qkv = model.parameter("blocks.0.attn.qkv.weight").to_vector();
  double sum = 0, squares = 0;
  float largest = 0;
  for (float w : qkv) {
    sum += w;
    squares += w * w;
    largest = std::max(largest, std::abs(w));
  }
  const double mean = sum / qkv.size(), stddev = std::sqrt(squares / qkv.size() - mean * mean);
  CHECK(std::abs(mean) < 1e-3);
  CHECK(stddev == Approx(0.02 * 0.8796).epsilon(0.02));  // std of a normal truncated at 2 sigma
  CHECK(largest <= 0.04f);
  CHECK(model.parameter("blocks.0.attn.qkv.bias").to_vector() == std::vector<float>(576, 0.0f));
  CHECK(model.parameter("blocks.3.norm2.weight").to_vector() == std::vector<float>(192, 1.0f));
  CHECK(ViT(ViTConfig::preset("vit_ti16"), Device::cpu(), 0).parameter("pos_embed").to_vector() ==
        model.parameter("pos_embed").to_vector());
  CHECK(ViT(ViTConfig::preset("vit_ti16"), Device::cpu(), 1).parameter("pos_embed").to_vector() !=
        model.parameter("pos_embed").to_vector());
}

TEST_CASE("vit: bad configs and inputs get one clear sentence", "[vit]") {
  ViTConfig config = tiny();
  config.heads = 3;
  CHECK_THROWS_WITH(ViT(config), Catch::Contains("dim 8 is not divisible by 3 heads"));
  config = tiny();
  config.image_size = 10;
  CHECK_THROWS_WITH(ViT(config), Catch::Contains("image size 10 must be a positive multiple of the patch size 4"));
#if !(VIT_CUDA_SIM || VIT_CUDA_ON)  // with a CUDA backend the model builds on cuda (tests/cuda/)
  CHECK_THROWS_WITH(ViT(tiny(), Device::cuda()), Catch::Contains("no cuda:0 backend"));
#endif
  ViT model(tiny());
  Tape tape;
  CHECK_THROWS_WITH(model.forward(Tensor::zeros({2, 3, 16, 16}), tape),
                    Catch::Contains("takes images [B, 3, 8, 8], got [2, 3, 16, 16]"));
}

TEST_CASE("vit: dropout acts in training mode only and is reproducible", "[vit]") {
  ViTConfig config = tiny();
  config.drop_rate = 0.3f;
  config.drop_path_rate = 0.3f;
  ViT model(config);
  Rng rng(4);
  const Tensor images = Tensor::randn({4, 3, 8, 8}, rng);
  auto logits = [&]() {
    Tape tape;
    return model.forward(images, tape).to_vector();
  };
  model.eval();
  const std::vector<float> eval_a = logits(), eval_b = logits();
  CHECK(eval_a == eval_b);
  model.train();
  model.set_dropout_state(9, 0);
  const std::vector<float> train_a = logits(), train_b = logits();
  CHECK(train_a != eval_a);
  CHECK(train_a != train_b);  // a new mask each step
  model.set_dropout_state(9, 0);
  CHECK(logits() == train_a);  // same seed and step: same masks (what resume relies on)
  CHECK(model.forward_count() == 1);
}

TEST_CASE("vit: a frozen backbone gets no gradients", "[vit]") {
  ViT model(tiny());
  model.freeze_backbone();
  Rng rng(1);
  Tape tape;
  const Tensor loss = cross_entropy(model.forward(Tensor::randn({2, 3, 8, 8}, rng), tape),
                                    Tensor::from_int32({0, 2}, {2}), 0.0f, tape);
  tape.backward(loss);
  for (const nn::NamedTensor& p : model.named_parameters()) {
    INFO(p.name);
    CHECK(p.tensor.grad().defined() == ViT::is_head_parameter(p.name));
  }
  CHECK(summarize(model).trainable_params == 8 * 3 + 3);
}

TEST_CASE("vit: attention probabilities are one softmax per block and feed the rollout", "[vit]") {
  ViT model(tiny(), Device::cpu(), 3);
  model.eval();
  Rng rng(5);
  const Tensor images = Tensor::randn({2, 3, 8, 8}, rng);
  const std::vector<Tensor> blocks = model.attention_probabilities(images);
  const std::int64_t n = model.config().tokens();
  REQUIRE(blocks.size() == static_cast<std::size_t>(tiny().depth));
  for (const Tensor& probs : blocks) {
    REQUIRE(probs.shape() == Shape{2, tiny().heads, n, n});
    const std::vector<float> p = probs.to_vector();
    for (std::int64_t row = 0; row < 2 * tiny().heads * n; ++row) {
      float sum = 0.0f;
      for (std::int64_t j = 0; j < n; ++j) {
        CHECK(p[row * n + j] >= 0.0f);
        sum += p[row * n + j];
      }
      CHECK(sum == Approx(1.0f).margin(1e-5));
    }
  }
  // The blocks differ, and the forward they come from is the model's own: same logits after.
  CHECK(blocks[0].to_vector() != blocks[1].to_vector());
  Tape tape;
  const std::vector<float> before = model.forward(images, tape).to_vector();
  model.attention_probabilities(images);
  Tape again;
  CHECK(model.forward(images, again).to_vector() == before);

  const Tensor map = attention_rollout(model, images.slice(0, 1));
  REQUIRE(map.shape() == Shape{model.config().grid(), model.config().grid()});
  const std::vector<float> m = map.to_vector();
  CHECK(*std::max_element(m.begin(), m.end()) == 1.0f);
  CHECK(*std::min_element(m.begin(), m.end()) > 0.0f);
}

TEST_CASE("vit: u8 images normalised in the patch embedding give the loader's f32 bits", "[vit]") {
  ViT model(testing::tiny_vit_config());
  data::Normalize normalize;
  normalize.mean = {0.485f, 0.456f, 0.406f};
  normalize.std = {0.229f, 0.224f, 0.225f};
  Tensor u8 = Tensor::empty({2, 3, 8, 8}, DType::u8);
  for (std::int64_t i = 0; i < u8.numel(); ++i) u8.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i * 13 + 5);
  Tape tape;
  CHECK_THROWS_WITH(model.forward(u8, tape), Catch::Contains("call set_input_normalization first"));
  model.set_input_normalization({normalize.mean.begin(), normalize.mean.end()},
                                {normalize.std.begin(), normalize.std.end()});
  CHECK(model.forward(u8, tape).to_vector() == model.forward(data::normalize_images(u8, normalize), tape).to_vector());
  CHECK_THROWS_WITH(model.set_input_normalization({0.5f}, {0.5f}), Catch::Contains("needs 3 means"));
  CHECK_THROWS_WITH(model.set_input_normalization({0.5f, 0.5f, 0.5f}, {0.5f, 0.0f, 0.5f}), Catch::Contains("positive"));
  const Tensor weight = Tensor::zeros({4, 3, 4, 4}), bias = Tensor::zeros({4});
  CHECK_THROWS_WITH(patch_embed(u8, weight, bias, tape), Catch::Contains("u8 images need a pixel normalisation"));
  CHECK_THROWS_WITH(patch_embed(Tensor::zeros({2, 3, 8, 8}), weight, bias, tape, DType::f32,
                                {Tensor::full({3}, 1.0f), Tensor::zeros({3})}),
                    Catch::Contains("applies to u8 images only"));
  CHECK_THROWS_WITH(patch_embed(u8, weight, bias, tape, DType::f32, {Tensor::full({2}, 1.0f), Tensor::zeros({3})}),
                    Catch::Contains("must be f32 [3]"));
}
