#pragma once
// The training run behind vit_train: data, model, optimizer, schedule, the epoch loop with
// evaluation, logs and checkpoints, resume, Ctrl-C and NaN handling. tools/vit_train only parses
// flags into a TrainConfig and calls run().
#include <cstdint>
#include <vector>

#include "vitcuda/data/loader.h"
#include "vitcuda/layers/vit.h"
#include "vitcuda/train/evaluation.h"
#include "vitcuda/train/train_config.h"

namespace vit::train {

// Indices of the k largest of `classes` logits, best first (k is capped at classes).
void top_k(const float* row, int classes, int k, std::vector<int>& out);

// Runs training (or evaluation with eval_only) as configured; throws vit::Error with one
// sentence on bad input. Returns the process exit code (130 after Ctrl-C, state saved).
int run(const TrainConfig& config);

}  // namespace vit::train
