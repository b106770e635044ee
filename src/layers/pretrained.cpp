#include "vitcuda/layers/pretrained.h"

#include <regex>

#include "vitcuda/io/safetensors.h"

namespace vit {

namespace {

// torchvision's VisionTransformer names -> timm's.
const std::pair<std::regex, std::string> kTorchvisionNames[] = {
    {std::regex(R"(^conv_proj\.(weight|bias)$)"), "patch_embed.proj.$1"},
    {std::regex(R"(^class_token$)"), "cls_token"},
    {std::regex(R"(^encoder\.pos_embedding$)"), "pos_embed"},
    {std::regex(R"(^encoder\.layers\.encoder_layer_(\d+)\.ln_1\.(weight|bias)$)"), "blocks.$1.norm1.$2"},
    {std::regex(R"(^encoder\.layers\.encoder_layer_(\d+)\.ln_2\.(weight|bias)$)"), "blocks.$1.norm2.$2"},
    {std::regex(R"(^encoder\.layers\.encoder_layer_(\d+)\.self_attention\.in_proj_(weight|bias)$)"), "blocks.$1.attn.qkv.$2"},
    {std::regex(R"(^encoder\.layers\.encoder_layer_(\d+)\.self_attention\.out_proj\.(weight|bias)$)"), "blocks.$1.attn.proj.$2"},
    {std::regex(R"(^encoder\.layers\.encoder_layer_(\d+)\.mlp\.(0|linear_1)\.(weight|bias)$)"), "blocks.$1.mlp.fc1.$3"},
    {std::regex(R"(^encoder\.layers\.encoder_layer_(\d+)\.mlp\.(3|linear_2)\.(weight|bias)$)"), "blocks.$1.mlp.fc2.$3"},
    {std::regex(R"(^encoder\.ln\.(weight|bias)$)"), "norm.$1"},
    {std::regex(R"(^heads\.head\.(weight|bias)$)"), "head.$1"},
    {std::regex(R"(^heads\.pre_logits\.(weight|bias)$)"), "pre_logits.fc.$1"},
};

struct NamedFile {
  std::string format;
  std::map<std::string, Tensor> tensors;  // timm names, f32
};

NamedFile read_timm_named(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  NamedFile named{file.tensors.count("conv_proj.weight") ? "torchvision" : "timm", {}};
  for (auto& [raw_name, tensor] : file.tensors) {
    std::string name = raw_name.rfind("module.", 0) == 0 ? raw_name.substr(7) : raw_name;
    if (named.format == "torchvision") {
      for (const auto& [pattern, replacement] : kTorchvisionNames) {
        if (std::regex_match(name, pattern)) {
          name = std::regex_replace(name, pattern, replacement);
          break;
        }
      }
    }
    VIT_CHECK(tensor.dtype() == DType::f32 || tensor.dtype() == DType::bf16, "'", path, "': tensor '",
              raw_name, "' is ", dtype_name(tensor.dtype()), ", not a floating-point weight.");
    named.tensors[name] = tensor.dtype() == DType::f32 ? tensor : tensor.to(DType::f32);
  }
  return named;
}

std::string mismatch(const std::string& path, const std::string& name, const Tensor& found, const Tensor& expected) {
  return detail::concat("'", path, "': tensor '", name, "' has shape ", shape_str(found.shape()),
                        " but the model expects ", shape_str(expected.shape()),
                        " (is the checkpoint for another model size?).");
}

// For a missing norm.* / fc_norm.*: the file pools the other way.
std::string pool_hint(const NamedFile& file, const std::string& name) {
  if (name.rfind("norm.", 0) == 0 && file.tensors.count("fc_norm.weight")) {
    return " (it has fc_norm: it was trained with global_pool 'avg')";
  }
  if (name.rfind("fc_norm.", 0) == 0 && file.tensors.count("norm.weight")) {
    return " (it has norm, not fc_norm: it was trained with global_pool 'token')";
  }
  return "";
}

}  // namespace

PretrainedReport load_pretrained(ViT& model, const std::string& path, Rng& head_rng) {
  NamedFile file = read_timm_named(path);
  PretrainedReport report{file.format, {}, {}, {}, {}};
  const ViTConfig& config = model.config();

  // The head is kept only when it fits; pre-logits only along with a kept head.
  auto fits = [&](const std::string& name) {
    auto it = file.tensors.find(name);
    return it != file.tensors.end() && it->second.shape() == model.parameter(name).shape();
  };
  const bool keep_head = fits("head.weight") && fits("head.bias");
  const bool keep_pre_logits = keep_head && model.pre_logits && fits("pre_logits.fc.weight") && fits("pre_logits.fc.bias");
  model.reset_head(head_rng);

  for (nn::NamedTensor& p : model.named_parameters()) {
    const bool is_head = p.name.rfind("head.", 0) == 0, is_pre_logits = p.name.rfind("pre_logits.", 0) == 0;
    if ((is_head && !keep_head) || (is_pre_logits && !keep_pre_logits)) {
      report.reinitialized.push_back(p.name);
      file.tensors.erase(p.name);
      continue;
    }
    auto it = file.tensors.find(p.name);
    // A token-pooled checkpoint (norm.*, no fc_norm.*) fine-tunes an average-pooled model with a
    // fresh fc_norm, as MAE's fine-tuning does; its norm.* is left unused.
    if (it == file.tensors.end() && p.name.rfind("fc_norm.", 0) == 0 && !file.tensors.count("fc_norm.weight") &&
        !file.tensors.count("fc_norm.bias")) {
      p.tensor.copy_from(Tensor::full(p.tensor.shape(), p.name == "fc_norm.weight" ? 1.0f : 0.0f));
      report.reinitialized.push_back(p.name);
      continue;
    }
    VIT_CHECK(it != file.tensors.end(), "'", path, "' has no tensor '", p.name, "': is it a ", file.format,
              " ViT checkpoint of this model?", pool_hint(file, p.name));
    Tensor value = it->second;
    if (p.name == "pos_embed" && value.shape() != p.tensor.shape() && value.ndim() == 3 &&
        value.size(2) == p.tensor.size(2)) {
      value = resample_pos_embed(value, config.grid(), config.grid());
      report.resampled.push_back(p.name);
    }
    VIT_CHECK(value.shape() == p.tensor.shape(), mismatch(path, p.name, value, p.tensor));
    p.tensor.copy_from(value);
    report.loaded.push_back(p.name);
    file.tensors.erase(it);
  }
  for (const auto& [name, tensor] : file.tensors) report.unused.push_back(name);
  return report;
}

void load_weights(ViT& model, const std::string& path) {
  NamedFile file = read_timm_named(path);
  for (nn::NamedTensor& p : model.named_parameters()) {
    auto it = file.tensors.find(p.name);
    VIT_CHECK(it != file.tensors.end(), "'", path, "' has no tensor '", p.name, "' for this model",
              pool_hint(file, p.name), ".");
    VIT_CHECK(it->second.shape() == p.tensor.shape(), mismatch(path, p.name, it->second, p.tensor));
    p.tensor.copy_from(it->second);
  }
}

void save_weights(const ViT& model, const std::string& path, const std::map<std::string, std::string>& metadata) {
  std::map<std::string, Tensor> tensors;
  for (const nn::NamedTensor& p : model.named_parameters()) tensors[p.name] = p.tensor.to(Device::cpu());
  save_safetensors(path, tensors, metadata);
}

}  // namespace vit
