#include "vitcuda/layers/summary.h"

#include <cstdio>

namespace vit {

namespace {

std::int64_t count(const nn::Module& module) { return module.parameter_count(); }

}  // namespace

std::string si_count(double value) {
  const char* suffixes[] = {"", "k", "M", "G", "T"};
  int i = 0;
  while (value >= 1000.0 && i < 4) {
    value /= 1000.0;
    ++i;
  }
  char text[32];
  std::snprintf(text, sizeof text, value >= 100 || i == 0 ? "%.0f%s" : value >= 10 ? "%.1f%s" : "%.2f%s", value,
                suffixes[i]);
  return text;
}

ModelSummary summarize(const ViT& model, std::int64_t batch_size) {
  const ViTConfig& c = model.config();
  const std::int64_t b = batch_size, d = c.dim, t = c.tokens(), n = t - 1, m = c.mlp_hidden();
  const std::int64_t patch_features = static_cast<std::int64_t>(c.in_channels) * c.patch_size * c.patch_size;
  ModelSummary s;
  auto row = [&](int depth, std::string name, std::string type, Shape output, std::int64_t params,
                 std::int64_t mult_adds) {
    s.rows.push_back({depth, std::move(name), std::move(type), std::move(output), params, mult_adds});
    if (depth == 1) s.mult_adds += mult_adds;
  };

  row(0, "", "ViT", {b, c.num_classes}, model.parameter_count(), 0);
  row(1, "patch_embed", "PatchEmbed", {b, n, d}, count(model.patch_embed), b * n * d * patch_features);
  row(1, "cls_token+pos_embed", "Embedding", {b, t, d}, model.cls_token.numel() + model.pos_embed.numel(), 0);
  const std::int64_t attention_mult_adds = b * (t * d * 3 * d + 2 * t * t * d + t * d * d);
  const std::int64_t mlp_mult_adds = b * 2 * t * d * m;
  for (std::size_t i = 0; i < model.blocks.size(); ++i) {
    const nn::Block& block = *model.blocks[i];
    const std::string prefix = "blocks." + std::to_string(i);
    row(1, prefix, "Block", {b, t, d}, count(block), attention_mult_adds + mlp_mult_adds);
    row(2, prefix + ".norm1", "LayerNorm", {b, t, d}, count(block.norm1), 0);
    row(2, prefix + ".attn", "Attention", {b, t, d}, count(block.attn), attention_mult_adds);
    row(2, prefix + ".norm2", "LayerNorm", {b, t, d}, count(block.norm2), 0);
    row(2, prefix + ".mlp", "Mlp", {b, t, d}, count(block.mlp), mlp_mult_adds);
  }
  if (c.avg_pool()) {
    row(1, "pool", "MeanPatchTokens", {b, d}, 0, 0);
    row(1, "fc_norm", "LayerNorm", {b, d}, count(model.fc_norm), 0);
  } else {
    row(1, "norm", "LayerNorm", {b, t, d}, count(model.norm), 0);
  }
  if (model.pre_logits) {
    row(1, "pre_logits", "Linear+Tanh", {b, c.representation_size}, count(*model.pre_logits), b * d * c.representation_size);
  }
  row(1, "head", "Linear", {b, c.num_classes}, count(model.head), b * c.head_features() * c.num_classes);
  s.rows[0].mult_adds = s.mult_adds;

  for (const nn::NamedTensor& p : model.named_parameters()) {
    s.total_params += p.tensor.numel();
    if (p.tensor.requires_grad()) s.trainable_params += p.tensor.numel();
  }
  s.param_bytes = 4.0 * s.total_params;
  s.grad_and_optimizer_bytes = 4.0 * 3 * s.trainable_params;
  // Per block and sample the tape keeps: the block input, both LayerNorm outputs, qkv (3D), the
  // attention output, the first residual sum, the MLP activations before and after GELU (M each),
  // the attention probabilities (heads x T) and the LayerNorm statistics (4 per token). The
  // projection and fc2 outputs are freed after the forward: their backward needs no values.
  const double per_block = static_cast<double>(t) * (8 * d + 2 * m + static_cast<std::int64_t>(c.heads) * t + 4);
  // Average pooling drops the final norm's [T, D] output and keeps fc_norm's input instead.
  const double embedding = static_cast<double>(n) * (patch_features + d) +
                           (c.avg_pool() ? 2.0 * t * d + 3.0 * d : 3.0 * t * d + 2.0 * d);
  s.activation_bytes = 4.0 * b * (per_block * c.depth + embedding);
  s.input_bytes = 4.0 * b * c.in_channels * c.image_size * c.image_size;
  return s;
}

std::string ModelSummary::to_string() const {
  std::string out;
  char line[256];
  auto rule = [&](char ch) { out += std::string(96, ch) + "\n"; };
  rule('=');
  std::snprintf(line, sizeof line, "%-44s %-22s %14s %14s\n", "Layer (type)", "Output Shape", "Param #", "Mult-Adds");
  out += line;
  rule('=');
  for (const SummaryRow& r : rows) {
    const std::string label = std::string(2 * r.depth, ' ') + (r.name.empty() ? "" : r.name + " ") + "(" + r.type + ")";
    std::snprintf(line, sizeof line, "%-44s %-22s %14s %14s\n", label.c_str(), shape_str(r.output).c_str(),
                  si_count(static_cast<double>(r.params)).c_str(), si_count(static_cast<double>(r.mult_adds)).c_str());
    out += line;
  }
  rule('=');
  const double mb = 1.0 / (1024.0 * 1024.0);
  std::snprintf(line, sizeof line,
                "Total params: %s (%lld)\nTrainable params: %s\nNon-trainable params: %s\nTotal mult-adds: %s\n",
                si_count(static_cast<double>(total_params)).c_str(), static_cast<long long>(total_params),
                si_count(static_cast<double>(trainable_params)).c_str(),
                si_count(static_cast<double>(total_params - trainable_params)).c_str(),
                si_count(static_cast<double>(mult_adds)).c_str());
  out += line;
  rule('-');
  std::snprintf(line, sizeof line,
                "Input size (MB): %.2f\nParams size (MB): %.2f\nGradients + AdamW state (MB): %.2f\n"
                "Activations kept for backward (MB): %.2f\nEstimated training total (MB): %.2f\n",
                input_bytes * mb, param_bytes * mb, grad_and_optimizer_bytes * mb, activation_bytes * mb,
                (input_bytes + param_bytes + grad_and_optimizer_bytes + activation_bytes) * mb);
  out += line;
  rule('=');
  return out;
}

}  // namespace vit
