#pragma once
// The training run behind vit_train: data, model, optimizer, schedule, the epoch loop with
// evaluation, logs and checkpoints, resume, Ctrl-C and NaN handling. tools/vit_train only parses
// flags into a TrainConfig and calls run().
#include <cstdint>
#include <vector>

#include "vitcuda/data/loader.h"
#include "vitcuda/layers/vit.h"
#include "vitcuda/train/confusion.h"
#include "vitcuda/train/train_config.h"

namespace vit::train {

struct EvalResult {
  double loss, top1, top5;  // accuracies as fractions
  std::int64_t images;
  ConfusionMatrix confusion;  // of the top-1 predictions
};

// Loss (with the given label smoothing), top-1 and top-5 accuracy of `model` over one pass of
// `loader`, in eval mode and without recording gradients.
EvalResult evaluate(ViT& model, data::Loader& loader, float label_smoothing);

// Indices of the k largest of `classes` logits, best first (k is capped at classes).
void top_k(const float* row, int classes, int k, std::vector<int>& out);

// Runs training (or evaluation with eval_only) as configured; throws vit::Error with one
// sentence on bad input. Returns the process exit code (130 after Ctrl-C, state saved).
int run(const TrainConfig& config);

}  // namespace vit::train
