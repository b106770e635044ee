// timm's global_pool='avg': the mean_tokens op (hand-computed values, finite differences, errors)
// and the tiny ViT with average pooling (fc_norm instead of norm, forward/backward, summary,
// save/load round trip, fine-tuning from a token checkpoint).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "tiny_vit.h"
#include "vitcuda/vitcuda.h"

using namespace vit;

namespace {

ViTConfig tiny_avg() {
  ViTConfig c = testing::tiny_vit_config();
  c.global_pool = "avg";
  return c;
}

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

std::vector<std::string> parameter_names(const ViT& model) {
  std::vector<std::string> names;
  for (const nn::NamedTensor& p : model.named_parameters()) names.push_back(p.name);
  return names;
}

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

TEST_CASE("mean_tokens: hand-computed mean over tokens first.. and its gradient", "[ops][mean_tokens]") {
  // x [2, 3, 2]: sequence 0 tokens (1, 2) (3, 4) (5, 6); sequence 1 tokens (-1, 0) (2, 8) (7, -2).
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6, -1, 0, 2, 8, 7, -2}, {2, 3, 2});
  x.set_requires_grad(true);
  {
    Tape tape;
    const Tensor out = mean_tokens(x, 1, tape);
    CHECK(out.shape() == Shape{2, 2});
    CHECK(out.to_vector() == std::vector<float>{4.0f, 5.0f, 4.5f, 3.0f});
    tape.backward(out, Tensor::from_vector({2, -4, 6, 1}, {2, 2}));
    // dx = dout / 2 at tokens 1 and 2, zero at the class token.
    CHECK(x.grad().to_vector() == std::vector<float>{0, 0, 1, -2, 1, -2, 0, 0, 3, 0.5f, 3, 0.5f});
  }
  NoGradGuard no_grad;
  Tape tape;
  CHECK(mean_tokens(x, 0, tape).to_vector() == std::vector<float>{3.0f, 4.0f, 8.0f / 3.0f, 2.0f});
  CHECK(mean_tokens(x, 2, tape).to_vector() == std::vector<float>{5.0f, 6.0f, 7.0f, -2.0f});
  CHECK_THROWS_WITH(mean_tokens(x, 3, tape), Catch::Contains("first token 3 leaves no tokens to average out of 3"));
  CHECK_THROWS_WITH(mean_tokens(x, -1, tape), Catch::Contains("mean_tokens"));
  CHECK_THROWS_WITH(mean_tokens(Tensor::zeros({3, 2}), 0, tape), Catch::Contains("mean_tokens"));
}

TEST_CASE("mean_tokens: gradient matches finite differences at odd sizes", "[ops][mean_tokens][gradcheck]") {
  Rng rng(11);
  const std::int64_t batch = 3, n = 7, dim = 5, first = 1;
  Tensor x = Tensor::randn({batch, n, dim}, rng);
  x.set_requires_grad(true);
  const Tensor weights = Tensor::randn({batch, dim}, rng);
  const std::vector<float> w = weights.to_vector();
  auto loss = [&]() {
    NoGradGuard no_grad;
    Tape tape;
    const std::vector<float> out = mean_tokens(x, first, tape).to_vector();
    double sum = 0.0;
    for (std::size_t i = 0; i < out.size(); ++i) sum += static_cast<double>(out[i]) * w[i];
    return sum;
  };
  Tape tape;
  tape.backward(mean_tokens(x, first, tape), weights);
  const std::vector<float> analytic = x.grad().to_vector();
  float* value = x.data<float>();
  constexpr float kStep = 1e-2f;
  double worst = 0.0;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const float saved = value[i];
    value[i] = saved + kStep;
    const double plus = loss();
    value[i] = saved - kStep;
    const double minus = loss();
    value[i] = saved;
    const double numeric = (plus - minus) / (2.0 * kStep);
    worst = std::max(worst, std::abs(numeric - analytic[i]));
    INFO("d/dx[" << i << "] analytic " << analytic[i] << " numeric " << numeric);
    CHECK(std::abs(numeric - analytic[i]) <= 1e-3 * std::max(1.0, std::abs(numeric)));
  }
  // The class token gets no gradient at all.
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t d = 0; d < dim; ++d) CHECK(analytic[b * n * dim + d] == 0.0f);
  }
  WARN("mean_tokens finite-difference max abs error " << worst);
}

TEST_CASE("vit: global_pool avg has fc_norm instead of norm and averages the patch tokens", "[vit][global_pool]") {
  const ViT token(testing::tiny_vit_config());
  const ViT avg(tiny_avg());
  const std::vector<std::string> token_names = parameter_names(token), avg_names = parameter_names(avg);
  CHECK(has(token_names, "norm.weight"));
  CHECK(!has(token_names, "fc_norm.weight"));
  CHECK(has(avg_names, "fc_norm.weight"));
  CHECK(has(avg_names, "fc_norm.bias"));
  CHECK(!has(avg_names, "norm.weight"));
  CHECK(!has(avg_names, "norm.bias"));
  // timm's order: ..., blocks, fc_norm, head.
  CHECK(avg_names[avg_names.size() - 3] == "fc_norm.bias");
  CHECK(avg.parameter_count() == token.parameter_count());

  const ModelSummary summary = summarize(avg, 2);
  CHECK(summary.total_params == avg.parameter_count());
  const std::string table = summary.to_string();
  CHECK_THAT(table, Catch::Contains("fc_norm (LayerNorm)"));
  CHECK_THAT(table, Catch::Contains("pool (MeanPatchTokens)"));
  CHECK_THAT(table, !Catch::Contains("  norm (LayerNorm)"));
  CHECK_THAT(summarize(token, 2).to_string(), !Catch::Contains("fc_norm"));

  ViTConfig bad = tiny_avg();
  bad.global_pool = "max";
  CHECK_THROWS_WITH(ViT(bad), Catch::Contains("global pool must be 'token' or 'avg', got 'max'"));
}

TEST_CASE("vit: global_pool avg logits are the head of fc_norm of the patch-token mean", "[vit][global_pool]") {
  ViT model(tiny_avg(), Device::cpu(), 3);
  model.eval();
  // Non-trivial fc_norm and head, so a wrong pooling or norm shows in the logits.
  Rng rng(5);
  model.fc_norm.weight.copy_from(Tensor::randn({8}, rng));
  model.fc_norm.bias.copy_from(Tensor::randn({8}, rng));
  const Tensor images = Tensor::randn({2, 3, 8, 8}, rng);
  Tape tape;
  const std::vector<float> logits = model.forward(images, tape).to_vector();

  // The same forward by hand from the blocks' output.
  NoGradGuard no_grad;
  Tape manual;
  nn::ForwardContext ctx(manual, false, 0);
  Tensor x = add(concat_class_token(model.cls_token, model.patch_embed.forward(images, ctx), manual), model.pos_embed,
                 manual);
  for (const auto& block : model.blocks) x = block->forward(x, ctx);
  const std::vector<float> tokens = x.to_vector();  // [2, 5, 8]
  std::vector<float> pooled(2 * 8, 0.0f);
  for (int b = 0; b < 2; ++b) {
    for (int t = 1; t < 5; ++t) {
      for (int d = 0; d < 8; ++d) pooled[b * 8 + d] += tokens[(b * 5 + t) * 8 + d] / 4.0f;
    }
  }
  const Tensor features = layer_norm(Tensor::from_vector(pooled, {2, 8}), model.fc_norm.weight, model.fc_norm.bias,
                                     1e-6f, manual);
  const std::vector<float> want = linear(features, model.head.weight, model.head.bias, manual).to_vector();
  double worst = 0.0;
  for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, double(std::abs(logits[i] - want[i])));
  WARN("global_pool avg logits vs hand-computed: max abs error " << worst);
  CHECK(worst <= 1e-5);
}

TEST_CASE("vit: global_pool avg trains, saves and loads", "[vit][global_pool]") {
  ViT model(tiny_avg(), Device::cpu(), 1);
  Rng rng(2);
  const Tensor images = Tensor::randn({3, 3, 8, 8}, rng);
  {
    Tape tape;
    const Tensor loss = cross_entropy(model.forward(images, tape), Tensor::from_int32({0, 2, 1}, {3}), 0.0f, tape);
    tape.backward(loss);
  }
  for (const nn::NamedTensor& p : model.named_parameters()) {
    INFO(p.name);
    REQUIRE(p.tensor.grad().defined());
    const std::vector<float> g = p.tensor.grad().to_vector();
    CHECK(std::any_of(g.begin(), g.end(), [](float v) { return v != 0.0f; }));
  }
  model.eval();
  auto logits = [&](ViT& m) {
    Tape tape;
    return m.forward(images, tape).to_vector();
  };
  const std::string path = temp_file("vit_tiny_avg_pool.safetensors");
  save_weights(model, path);
  CHECK(load_safetensors(path).tensors.count("fc_norm.weight") == 1);
  CHECK(load_safetensors(path).tensors.count("norm.weight") == 0);
  ViT loaded(tiny_avg(), Device::cpu(), 9);
  loaded.eval();
  CHECK(logits(loaded) != logits(model));
  load_weights(loaded, path);
  CHECK(logits(loaded) == logits(model));

  // A token model can not take the average-pooled checkpoint, and says why.
  ViT token(testing::tiny_vit_config());
  CHECK_THROWS_WITH(load_weights(token, path), Catch::Contains("has no tensor 'norm.weight'") &&
                                                   Catch::Contains("global_pool 'avg'"));
  Rng head_rng(0);
  CHECK_THROWS_WITH(load_pretrained(token, path, head_rng), Catch::Contains("global_pool 'avg'"));
}

TEST_CASE("vit: a token checkpoint fine-tunes an average-pooled model with a fresh fc_norm", "[vit][global_pool]") {
  ViT token(testing::tiny_vit_config(), Device::cpu(), 4);
  Rng rng(6);
  token.norm.weight.copy_from(Tensor::randn({8}, rng));
  const std::string path = temp_file("vit_tiny_token_pool.safetensors");
  save_weights(token, path);

  ViT avg(tiny_avg(), Device::cpu(), 5);
  avg.fc_norm.weight.copy_from(Tensor::randn({8}, rng));
  Rng head_rng(0);
  const PretrainedReport report = load_pretrained(avg, path, head_rng);
  CHECK(report.reinitialized == std::vector<std::string>{"fc_norm.weight", "fc_norm.bias"});
  CHECK(report.unused == std::vector<std::string>{"norm.bias", "norm.weight"});
  CHECK(avg.fc_norm.weight.to_vector() == std::vector<float>(8, 1.0f));
  CHECK(avg.fc_norm.bias.to_vector() == std::vector<float>(8, 0.0f));
  CHECK(avg.parameter("blocks.1.attn.qkv.weight").to_vector() == token.parameter("blocks.1.attn.qkv.weight").to_vector());
  CHECK(avg.head.weight.to_vector() == token.head.weight.to_vector());
  // The exact loader wants every tensor.
  CHECK_THROWS_WITH(load_weights(avg, path), Catch::Contains("has no tensor 'fc_norm.weight'") &&
                                                 Catch::Contains("global_pool 'token'"));
}
