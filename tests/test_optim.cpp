#include <catch2/catch.hpp>

#include <filesystem>

#include "model_golden.h"
#include "op_registry.h"

using namespace vit;
using namespace vit::testing;

namespace {

// The key bias gets an exactly zero gradient (softmax ignores a shift shared by all keys), so
// Adam's m / sqrt(v) turns float rounding noise into full-size steps in both PyTorch and here:
// that slice of qkv.bias is not comparable and is masked out.
Tensor without_key_bias(const nn::NamedTensor& p) {
  Tensor copy = p.tensor.clone();
  if (p.name.ends_with("attn.qkv.bias")) {
    const std::int64_t dim = copy.numel() / 3;
    std::fill_n(copy.data<float>() + dim, dim, 0.0f);
  }
  return copy;
}

// Runs the golden file's 10 steps on its fixed batch with `optimizer`; checks losses and weights.
void check_steps_against_torch(const std::string& name, ViT& model, optim::Optimizer& optimizer, float clip_norm) {
  const SafetensorsFile golden = load_safetensors(golden_path(name));
  const std::vector<float> torch_losses = golden.at("losses").to_vector();
  const float smoothing = std::stof(golden.metadata.at("label_smoothing"));
  model.eval();  // no dropout in the tiny model anyway; keeps the forward deterministic
  for (std::size_t step = 0; step < torch_losses.size(); ++step) {
    Tape tape;
    const Tensor loss = cross_entropy(model.forward(golden.at("in.images"), tape), golden.at("in.labels"), smoothing, tape);
    optimizer.zero_grad();
    tape.backward(loss);
    if (clip_norm > 0) optim::clip_grad_norm(model.named_parameters(), clip_norm);
    optimizer.step();
    INFO(name << " step " << step);
    CHECK(loss.item() == Approx(torch_losses[step]).epsilon(1e-4));
  }
  for (const nn::NamedTensor& p : model.named_parameters()) {
    INFO(name << " final " << p.name);
    CHECK(relative_error(without_key_bias(p), without_key_bias({p.name, golden.at("final." + p.name)})) < 1e-4);
  }
}

std::unique_ptr<ViT> golden_model(const std::string& name) {
  const SafetensorsFile golden = load_safetensors(golden_path(name));
  auto model = std::make_unique<ViT>(tiny_config(golden));
  copy_prefixed_weights(*model, golden, "init.");
  return model;
}

}  // namespace

TEST_CASE("optim: 10 AdamW steps with timm groups and a slower backbone match PyTorch", "[optim][golden]") {
  auto model = golden_model("adamw_steps");
  optim::GroupingOptions grouping;
  grouping.lr_scale = [](const std::string& name) { return ViT::is_head_parameter(name) ? 1.0f : 0.1f; };
  const auto groups = optim::make_param_groups(model->named_parameters(), grouping);
  CHECK(groups.size() == 4);  // decay x lr scale
  optim::AdamW adamw(groups, {.lr = 1e-2f, .weight_decay = 0.05f});
  check_steps_against_torch("adamw_steps", *model, adamw, 0.0f);
  CHECK(adamw.step_count() == 10);
}

TEST_CASE("optim: 10 Nesterov SGD steps with gradient clipping match PyTorch", "[optim][golden]") {
  auto model = golden_model("sgd_steps");
  optim::SGD sgd(model->named_parameters(), {.lr = 0.05f, .momentum = 0.9f, .weight_decay = 1e-3f, .nesterov = true});
  check_steps_against_torch("sgd_steps", *model, sgd, 0.5f);
}

TEST_CASE("optim: default groups skip decay on biases norms and embeddings", "[optim]") {
  ViT model(ViTConfig::preset("vit_ti16").with_classes(4));
  const auto groups = optim::make_param_groups(model.named_parameters());
  REQUIRE(groups.size() == 2);
  for (const optim::ParamGroup& group : groups) {
    for (const nn::NamedTensor& p : group.params) {
      const bool expect_decay = p.tensor.ndim() > 1 && p.name != "cls_token" && p.name != "pos_embed";
      INFO(p.name);
      CHECK(group.weight_decay == expect_decay);
    }
  }
  model.freeze_backbone();
  const auto head_only = optim::make_param_groups(model.named_parameters());
  std::size_t count = 0;
  for (const auto& group : head_only) count += group.params.size();
  CHECK(count == 2);
}

TEST_CASE("optim: frozen parameters are not updated nor decayed", "[optim]") {
  nn::NamedTensor frozen{"frozen", Tensor::full({3}, 1.0f)}, live{"live.weight", Tensor::full({2, 2}, 1.0f)};
  live.tensor.set_requires_grad();
  optim::ParamGroup group{{frozen, live}, true, 1.0f};
  optim::AdamW adamw({group}, {.lr = 0.1f, .weight_decay = 0.5f});
  live.tensor.accumulate_grad(Tensor::full({2, 2}, 1.0f));
  adamw.step();
  CHECK(frozen.tensor.to_vector() == std::vector<float>(3, 1.0f));
  // decay 1 - 0.1*0.5, then the first Adam step moves by lr: 0.95 - 0.1
  CHECK(live.tensor.to_vector()[0] == Approx(0.85f));
}

TEST_CASE("optim: clip_grad_norm returns the norm and rescales to the maximum", "[optim]") {
  nn::NamedTensor a{"a", Tensor::zeros({2})}, b{"b", Tensor::zeros({1})};
  a.tensor.set_requires_grad();
  b.tensor.set_requires_grad();
  a.tensor.accumulate_grad(Tensor::from_vector({3, 0}, {2}));
  b.tensor.accumulate_grad(Tensor::from_vector({4}, {1}));
  CHECK(optim::clip_grad_norm({a, b}, 10.0f) == Approx(5.0f));
  CHECK(a.tensor.grad().to_vector()[0] == 3.0f);
  CHECK(optim::clip_grad_norm({a, b}, 1.0f) == Approx(5.0f));
  CHECK(a.tensor.grad().to_vector()[0] == Approx(0.6f).epsilon(1e-5));
  CHECK(b.tensor.grad().to_vector()[0] == Approx(0.8f).epsilon(1e-5));
  CHECK_THROWS_WITH(optim::clip_grad_norm({a}, 0.0f), Catch::Contains("must be positive"));
}

TEST_CASE("optim: set_clip_grad_norm clips inside step() as clip_grad_norm before it", "[optim]") {
  const auto run = [](float inside, float before) {
    const SafetensorsFile golden = load_safetensors(golden_path("adamw_steps"));
    auto model = golden_model("adamw_steps");
    optim::SGD sgd(model->named_parameters(), {.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.01f});
    sgd.set_clip_grad_norm(inside);
    for (int step = 0; step < 3; ++step) {
      Tape tape;
      const Tensor loss =
          cross_entropy(model->forward(golden.at("in.images"), tape), golden.at("in.labels"), 0.0f, tape);
      sgd.zero_grad();
      tape.backward(loss);
      if (before > 0.0f) optim::clip_grad_norm(model->named_parameters(), before);
      sgd.step();
    }
    return model->parameter("blocks.0.attn.qkv.weight").to_vector();
  };
  CHECK(run(0.05f, 0.0f) == run(0.0f, 0.05f));
  CHECK(run(0.05f, 0.0f) != run(0.0f, 0.0f));  // the clipping bites
  optim::SGD sgd(std::vector<nn::NamedTensor>{}, {});
  CHECK_THROWS_WITH(sgd.set_clip_grad_norm(-1.0f), Catch::Contains("must not be negative"));
}

TEST_CASE("optim: saved state resumes exactly where it stopped", "[optim]") {
  auto run = [](bool interrupt) {
    const SafetensorsFile golden = load_safetensors(golden_path("adamw_steps"));
    auto model = golden_model("adamw_steps");
    auto adamw = std::make_unique<optim::AdamW>(model->named_parameters(), optim::AdamWOptions{.lr = 1e-2f});
    for (int step = 0; step < 4; ++step) {
      if (interrupt && step == 2) {
        const std::string path = (std::filesystem::temp_directory_path() / "vit_optim_state.safetensors").string();
        save_safetensors(path, adamw->state());
        adamw = std::make_unique<optim::AdamW>(model->named_parameters(), optim::AdamWOptions{.lr = 1e-2f});
        adamw->load_state(load_safetensors(path).tensors);
        CHECK(adamw->step_count() == 2);
      }
      Tape tape;
      const Tensor loss = cross_entropy(model->forward(golden.at("in.images"), tape), golden.at("in.labels"), 0.0f, tape);
      adamw->zero_grad();
      tape.backward(loss);
      adamw->step();
    }
    return model->parameter("blocks.0.attn.qkv.weight").to_vector();
  };
  CHECK(run(true) == run(false));
}

TEST_CASE("optim: mismatched state is refused naming the parameter", "[optim]") {
  nn::NamedTensor p{"w", Tensor::zeros({2, 3})};
  p.tensor.set_requires_grad();
  optim::SGD sgd(std::vector<nn::NamedTensor>{p}, {.lr = 0.1f, .momentum = 0.9f});
  std::map<std::string, Tensor> state = {{"step", Tensor::from_int32({3}, {1})},
                                         {"w.momentum_buffer", Tensor::zeros({3, 2})}};
  CHECK_THROWS_WITH(sgd.load_state(state), Catch::Contains("'w.momentum_buffer' has shape [3, 2] but parameter 'w' has shape [2, 3]"));
  CHECK_THROWS_WITH(sgd.load_state({}), Catch::Contains("no step count"));
  CHECK_THROWS_WITH(optim::SGD(std::vector<nn::NamedTensor>{p}, {.nesterov = true}), Catch::Contains("Nesterov momentum needs"));
}
