#pragma once
// A model summary like torchinfo's: one row per layer with its output shape, parameter count
// and multiply-adds, then totals and a memory estimate for training.
#include <string>
#include <vector>

#include "vitcuda/layers/vit.h"

namespace vit {

struct SummaryRow {
  int depth;         // 0 = the model, 1 = its layers, 2 = the parts of a block
  std::string name;  // parameter prefix, e.g. "blocks.0.attn"
  std::string type;  // "Attention"
  Shape output;
  std::int64_t params;
  std::int64_t mult_adds;  // for the whole batch, attention's two matrix products included
};

struct ModelSummary {
  std::vector<SummaryRow> rows;
  std::int64_t total_params = 0, trainable_params = 0, mult_adds = 0;
  // Estimates in bytes, float32: weights; gradients plus AdamW's two moments; the activations
  // the CPU tape keeps for backward at this batch size; the input batch.
  double param_bytes = 0, grad_and_optimizer_bytes = 0, activation_bytes = 0, input_bytes = 0;

  std::string to_string() const;  // the table, as printed by vit_train --summary
};

ModelSummary summarize(const ViT& model, std::int64_t batch_size = 1);

// "86.6M", "17.6G", "1.2k": three significant digits and an SI suffix.
std::string si_count(double value);

}  // namespace vit
