// The whole model against timm and torchvision (tools/make_golden_model.py).
#include <catch2/catch.hpp>

#include <filesystem>

#include "model_golden.h"
#include "op_registry.h"

using namespace vit;
using namespace vit::testing;

TEST_CASE("vit: a timm checkpoint gives timm's logits loss and gradients", "[vit][golden]") {
  const SafetensorsFile golden = load_safetensors(golden_path("vit_tiny_timm"));
  ViT model(tiny_config(golden));
  Rng rng(0);
  const PretrainedReport report = load_pretrained(model, golden_path("vit_tiny_timm_weights"), rng);
  CHECK(report.format == "timm");
  CHECK(report.loaded.size() == model.named_parameters().size());
  CHECK(report.reinitialized.empty());
  CHECK(report.unused.empty());

  model.eval();
  Tape tape;
  const Tensor logits = model.forward(golden.at("in.images"), tape);
  CHECK(relative_error(logits, golden.at("out")) < 1e-5);
  const Tensor loss = cross_entropy(logits, golden.at("in.labels"), std::stof(golden.metadata.at("label_smoothing")), tape);
  CHECK(loss.item() == Approx(golden.at("loss").item()).epsilon(1e-5));

  tape.backward(loss);
  for (const nn::NamedTensor& p : model.named_parameters()) {
    INFO("gradient of " << p.name);
    REQUIRE(p.tensor.grad().defined());
    CHECK(relative_error(p.tensor.grad(), golden.at("grad." + p.name)) < 1e-4);
  }
}

TEST_CASE("vit: a timm global_pool='avg' checkpoint gives timm's logits loss and gradients", "[vit][golden][global_pool]") {
  const SafetensorsFile golden = load_safetensors(golden_path("vit_tiny_timm_avg"));
  ViTConfig config = tiny_config(golden);
  config.global_pool = golden.metadata.at("global_pool");
  REQUIRE(config.global_pool == "avg");
  ViT model(config);
  Rng rng(0);
  const PretrainedReport report = load_pretrained(model, golden_path("vit_tiny_timm_avg_weights"), rng);
  CHECK(report.loaded.size() == model.named_parameters().size());
  CHECK(report.reinitialized.empty());
  CHECK(report.unused.empty());  // timm's avg model has fc_norm.* and no norm.* either

  model.eval();
  Tape tape;
  const Tensor logits = model.forward(golden.at("in.images"), tape);
  const double logits_error = relative_error(logits, golden.at("out"));
  CHECK(logits_error < 1e-5);
  const Tensor loss = cross_entropy(logits, golden.at("in.labels"), std::stof(golden.metadata.at("label_smoothing")), tape);
  CHECK(loss.item() == Approx(golden.at("loss").item()).epsilon(1e-5));

  tape.backward(loss);
  double worst_gradient = 0.0;
  for (const nn::NamedTensor& p : model.named_parameters()) {
    INFO("gradient of " << p.name);
    REQUIRE(p.tensor.grad().defined());
    const double error = relative_error(p.tensor.grad(), golden.at("grad." + p.name));
    worst_gradient = std::max(worst_gradient, error);
    CHECK(error < 1e-4);
  }
  WARN("timm avg pool: logits error " << logits_error << ", worst gradient error " << worst_gradient);
}

TEST_CASE("vit: a torchvision checkpoint with pre-logits gives torchvision's logits", "[vit][golden]") {
  const SafetensorsFile golden = load_safetensors(golden_path("vit_tiny_torchvision"));
  ViTConfig config = tiny_config(golden);
  config.representation_size = std::stoi(golden.metadata.at("representation_size"));
  ViT model(config);
  Rng rng(0);
  const PretrainedReport report = load_pretrained(model, golden_path("vit_tiny_torchvision_weights"), rng);
  CHECK(report.format == "torchvision");
  CHECK(report.loaded.size() == model.named_parameters().size());
  CHECK(report.unused.empty());
  model.eval();
  NoGradGuard no_grad;
  Tape tape;
  CHECK(relative_error(model.forward(golden.at("in.images"), tape), golden.at("out")) < 1e-5);
}

TEST_CASE("vit: pos_embed resampling matches timm up and down", "[vit][golden]") {
  const SafetensorsFile golden = load_safetensors(golden_path("pos_embed_resample"));
  const Tensor& pos = golden.at("in.pos_embed");
  CHECK(relative_error(resample_pos_embed(pos, 5, 5), golden.at("out.up")) < 1e-6);
  CHECK(relative_error(resample_pos_embed(pos, 2, 2), golden.at("out.down")) < 1e-6);
  CHECK_THROWS_WITH(resample_pos_embed(pos.reshape({1, 4, 30}), 3, 3), Catch::Contains("not a square grid"));
}

TEST_CASE("vit: fine-tuning load re-initialises a head of another class count and resamples pos_embed", "[vit]") {
  const SafetensorsFile weights = load_safetensors(golden_path("vit_tiny_timm_weights"));
  ViTConfig config = tiny_config(load_safetensors(golden_path("vit_tiny_timm")));
  config.num_classes = 7;
  config.image_size = 20;  // 5x5 patches instead of 3x3
  ViT model(config);
  Rng rng(5);
  const PretrainedReport report = load_pretrained(model, golden_path("vit_tiny_timm_weights"), rng);
  CHECK(report.reinitialized == std::vector<std::string>{"head.weight", "head.bias"});
  CHECK(report.resampled == std::vector<std::string>{"pos_embed"});
  CHECK(model.pos_embed.shape() == Shape{1, 26, config.dim});
  CHECK(model.parameter("blocks.1.mlp.fc2.weight").to_vector() == weights.at("blocks.1.mlp.fc2.weight").to_vector());
  CHECK(model.head.bias.to_vector() == std::vector<float>(7, 0.0f));
  const std::vector<float> head = model.head.weight.to_vector();
  CHECK(std::any_of(head.begin(), head.end(), [](float w) { return w != 0.0f; }));
  CHECK(std::all_of(head.begin(), head.end(), [](float w) { return std::abs(w) <= 0.04f; }));
}

TEST_CASE("vit: a checkpoint of another model size is refused naming the tensor", "[vit]") {
  ViTConfig config = tiny_config(load_safetensors(golden_path("vit_tiny_timm")));
  config.dim = 24;
  ViT model(config);
  Rng rng(0);
  CHECK_THROWS_WITH(load_pretrained(model, golden_path("vit_tiny_timm_weights"), rng),
                    Catch::Contains("tensor 'cls_token' has shape [1, 1, 12] but the model expects [1, 1, 24]"));
  CHECK_THROWS_WITH(load_pretrained(model, golden_path("pos_embed_resample"), rng),
                    Catch::Contains("has no tensor 'cls_token'"));
}

TEST_CASE("vit: pre-logits are re-initialised with a head of another class count", "[vit]") {
  const SafetensorsFile golden = load_safetensors(golden_path("vit_tiny_torchvision"));
  ViTConfig config = tiny_config(golden);
  config.representation_size = std::stoi(golden.metadata.at("representation_size"));
  config.num_classes = 9;
  ViT model(config);
  Rng rng(0);
  const PretrainedReport report = load_pretrained(model, golden_path("vit_tiny_torchvision_weights"), rng);
  CHECK(report.reinitialized ==
        std::vector<std::string>{"pre_logits.fc.weight", "pre_logits.fc.bias", "head.weight", "head.bias"});
  CHECK(report.unused.empty());
}

TEST_CASE("vit: a bf16 checkpoint loads into the float32 model", "[vit]") {
  const SafetensorsFile golden = load_safetensors(golden_path("vit_tiny_timm"));
  std::map<std::string, Tensor> bf16;
  for (const auto& [name, tensor] : load_safetensors(golden_path("vit_tiny_timm_weights")).tensors) {
    bf16[name] = tensor.to(DType::bf16);
  }
  const std::string path = (std::filesystem::temp_directory_path() / "vit_tiny_bf16.safetensors").string();
  save_safetensors(path, bf16);
  ViT model(tiny_config(golden));
  Rng rng(0);
  CHECK(load_pretrained(model, path, rng).loaded.size() == model.named_parameters().size());
  CHECK(model.cls_token.dtype() == DType::f32);
  model.eval();
  Tape tape;
  CHECK(relative_error(model.forward(golden.at("in.images"), tape), golden.at("out")) < 0.05);
}
