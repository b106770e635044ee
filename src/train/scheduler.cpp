#include "vitcuda/train/scheduler.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>

#include "vitcuda/runtime/check.h"

namespace vit::train {

using json = nlohmann::ordered_json;

void SchedulerOptions::validate() const {
  VIT_CHECK(std::isfinite(base_lr) && base_lr > 0.0f, "the learning rate must be positive, got ", base_lr, ".");
  VIT_CHECK(steps_per_epoch > 0, "the schedule needs at least one step per epoch, got ", steps_per_epoch, ".");
  VIT_CHECK(epochs > 0, "the schedule needs at least one epoch, got ", epochs, ".");
  VIT_CHECK(warmup_epochs >= 0.0f && warmup_epochs < static_cast<float>(epochs),
            "warmup epochs must be in [0, epochs = ", epochs, "), got ", warmup_epochs, ".");
  VIT_CHECK(warmup_lr_ratio >= 0.0f && warmup_lr_ratio <= 1.0f,
            "the warmup start ratio must be in [0, 1], got ", warmup_lr_ratio, ".");
  VIT_CHECK(lrf >= 0.0f && lrf <= 1.0f, "the cosine floor lrf must be in [0, 1], got ", lrf, ".");
  if (kind == Kind::step) {
    VIT_CHECK(step_size > 0, "the step schedule needs a step size of at least one epoch, got ", step_size, ".");
  }
  if (kind == Kind::step || kind == Kind::plateau) {
    VIT_CHECK(factor > 0.0f && factor < 1.0f, "the decay factor must be in (0, 1), got ", factor, ".");
  }
  if (kind == Kind::plateau) {
    VIT_CHECK(patience >= 0, "plateau patience must not be negative, got ", patience, ".");
  }
}

SchedulerOptions::Kind parse_scheduler_kind(std::string_view name) {
  using Kind = SchedulerOptions::Kind;
  if (name == "cosine") return Kind::cosine;
  if (name == "step") return Kind::step;
  if (name == "plateau") return Kind::plateau;
  if (name == "const" || name == "constant") return Kind::constant;
  VIT_FAIL("unknown learning-rate schedule '", name, "': use cosine, step, plateau or const.");
}

std::string scheduler_kind_name(SchedulerOptions::Kind kind) {
  switch (kind) {
    case SchedulerOptions::Kind::cosine: return "cosine";
    case SchedulerOptions::Kind::step: return "step";
    case SchedulerOptions::Kind::plateau: return "plateau";
    case SchedulerOptions::Kind::constant: return "constant";
  }
  VIT_FAIL("invalid schedule kind ", static_cast<int>(kind), ".");
}

Scheduler::Scheduler(const SchedulerOptions& options) : options_(options) {
  options_.validate();
  warmup_steps_ = std::llround(static_cast<double>(options_.warmup_epochs) * static_cast<double>(options_.steps_per_epoch));
}

float Scheduler::lr_at(std::int64_t step) const {
  VIT_CHECK(step >= 0, "the learning rate of step ", step, " was asked for: steps count from 0.");
  const double base = options_.base_lr;
  const double plateau_scale = std::pow(static_cast<double>(options_.factor), reductions_);
  if (step < warmup_steps_) {
    const double ratio = options_.warmup_lr_ratio;
    const double rise = ratio + (1.0 - ratio) * static_cast<double>(step) / static_cast<double>(warmup_steps_);
    return static_cast<float>(base * rise * plateau_scale);
  }
  const std::int64_t span = total_steps() - warmup_steps_;  // > 0: validate() keeps warmup short of the end
  const std::int64_t t = std::min(step - warmup_steps_, span);
  switch (options_.kind) {
    case SchedulerOptions::Kind::cosine: {
      const double lrf = options_.lrf;
      const double wave = (1.0 + std::cos(std::numbers::pi * static_cast<double>(t) / static_cast<double>(span))) / 2.0;
      return static_cast<float>(base * (wave * (1.0 - lrf) + lrf));
    }
    case SchedulerOptions::Kind::step: {
      const std::int64_t decays = t / (static_cast<std::int64_t>(options_.step_size) * options_.steps_per_epoch);
      return static_cast<float>(base * std::pow(static_cast<double>(options_.factor), static_cast<double>(decays)));
    }
    case SchedulerOptions::Kind::plateau: return static_cast<float>(base * plateau_scale);
    case SchedulerOptions::Kind::constant: return static_cast<float>(base);
  }
  VIT_FAIL("invalid schedule kind ", static_cast<int>(options_.kind), ".");
}

bool Scheduler::on_epoch_end(float val_metric) {
  if (options_.kind != SchedulerOptions::Kind::plateau) return false;
  if (!has_best_ || val_metric > best_) {
    has_best_ = true;
    best_ = val_metric;
    bad_epochs_ = 0;
    return false;
  }
  if (++bad_epochs_ <= options_.patience) return false;
  ++reductions_;
  bad_epochs_ = 0;
  return true;
}

std::string Scheduler::state() const {
  const json state = {{"kind", scheduler_kind_name(options_.kind)},
                      {"best", has_best_ ? json(best_) : json(nullptr)},
                      {"bad_epochs", bad_epochs_},
                      {"reductions", reductions_}};
  return state.dump();
}

void Scheduler::load_state(const std::string& text) {
  const std::string kind = scheduler_kind_name(options_.kind);
  try {
    const json state = json::parse(text);
    const std::string saved_kind = state.at("kind").get<std::string>();
    VIT_CHECK(saved_kind == kind, "the saved scheduler state is of a ", saved_kind,
              " schedule, not of this ", kind, " schedule: resume with the same --sched.");
    const json& best = state.at("best");
    const float best_value = best.is_null() ? 0.0f : best.get<float>();
    const int bad_epochs = state.at("bad_epochs").get<int>();
    const int reductions = state.at("reductions").get<int>();
    VIT_CHECK(bad_epochs >= 0 && reductions >= 0, "the saved scheduler state has negative counts.");
    has_best_ = !best.is_null();
    best_ = best_value;
    bad_epochs_ = bad_epochs;
    reductions_ = reductions;
  } catch (const json::exception& e) {
    VIT_FAIL("the saved scheduler state is not valid (", e.what(), ").");
  }
}

}  // namespace vit::train
