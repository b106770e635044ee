#pragma once
// Learning-rate schedules, evaluated per optimizer step (not per epoch) so warmup is smooth:
//
//   Scheduler scheduler({.kind = SchedulerOptions::Kind::cosine, .base_lr = 1e-3f,
//                        .steps_per_epoch = loader.batches_per_epoch(), .epochs = 30, .warmup_epochs = 2});
//   optimizer.set_lr(scheduler.lr_at(step)); optimizer.step(); ...   // each step
//   scheduler.on_epoch_end(val_accuracy);                               // each epoch
//
// Warmup rises linearly from base_lr * warmup_lr_ratio to base_lr over the first
// warmup_epochs * steps_per_epoch steps; the schedule then runs over the remaining steps
// (like timm's warmup_prefix): t counts steps after warmup, T is the number of those steps.
//   cosine:   base * ((1 + cos(pi t / T)) / 2 * (1 - lrf) + lrf), the classic LambdaLR: ends at base * lrf
//   step:     base * factor ^ floor(t / (step_size * steps_per_epoch)), like StepLR
//   plateau:  base * factor ^ reductions, like ReduceLROnPlateau in mode max with threshold 0: a
//             reduction after more than `patience` epochs in a row without a new best metric
//   constant: base
#include <cstdint>
#include <string>
#include <string_view>

namespace vit::train {

struct SchedulerOptions {
  enum class Kind { cosine, step, plateau, constant };
  Kind kind = Kind::cosine;
  float base_lr = 1e-3f;
  std::int64_t steps_per_epoch = 1;
  std::int64_t epochs = 1;
  float warmup_epochs = 0.0f;     // may be fractional
  float warmup_lr_ratio = 0.01f;  // warmup starts at base * ratio (timm: warmup_lr 1e-5 for lr 1e-3)
  float lrf = 0.01f;              // cosine: final lr as a fraction of base
  int step_size = 30;             // step: epochs between decays
  float factor = 0.1f;            // step and plateau: the decay multiplier, in (0, 1)
  int patience = 10;              // plateau: epochs without improvement tolerated

  void validate() const;  // throws with one sentence naming the bad value
};

// "cosine", "step", "plateau", "const" or "constant"; anything else throws naming the choices.
SchedulerOptions::Kind parse_scheduler_kind(std::string_view name);
std::string scheduler_kind_name(SchedulerOptions::Kind kind);

class Scheduler {
 public:
  explicit Scheduler(const SchedulerOptions& options);  // validates the options

  // The learning rate for optimizer step `step` (0-based). Steps past the end keep the final lr.
  float lr_at(std::int64_t step) const;

  // Plateau: records the epoch's validation metric (higher is better) and returns true when it
  // reduced the learning rate. The other schedules ignore it.
  bool on_epoch_end(float val_metric);

  const SchedulerOptions& options() const { return options_; }
  std::int64_t warmup_steps() const { return warmup_steps_; }
  std::int64_t total_steps() const { return options_.steps_per_epoch * options_.epochs; }

  // What on_epoch_end has accumulated, as a small JSON object, for checkpoints. load_state
  // throws if the text is not such an object or was saved by another kind of schedule.
  std::string state() const;
  void load_state(const std::string& json);

 private:
  SchedulerOptions options_;
  std::int64_t warmup_steps_;
  // plateau
  bool has_best_ = false;
  float best_ = 0.0f;
  int bad_epochs_ = 0;
  int reductions_ = 0;
};

}  // namespace vit::train
