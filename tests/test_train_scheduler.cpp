#include <catch2/catch.hpp>

#include "vitcuda/runtime/check.h"
#include "vitcuda/train/scheduler.h"

using namespace vit;
using namespace vit::train;
using Kind = SchedulerOptions::Kind;

namespace {

SchedulerOptions options(Kind kind) {
  return {.kind = kind, .base_lr = 1e-3f, .steps_per_epoch = 10, .epochs = 10};
}

std::vector<float> lrs(const Scheduler& scheduler, std::int64_t from, std::int64_t to) {
  std::vector<float> values;
  for (std::int64_t step = from; step < to; ++step) values.push_back(scheduler.lr_at(step));
  return values;
}

}  // namespace

TEST_CASE("scheduler: cosine warms up linearly then decays to the lrf floor", "[train][scheduler]") {
  SchedulerOptions o = options(Kind::cosine);
  o.warmup_epochs = 2;  // 20 warmup steps, then a cosine over the other 80
  o.warmup_lr_ratio = 0.01f;
  o.lrf = 0.01f;
  const Scheduler s(o);
  CHECK(s.warmup_steps() == 20);
  CHECK(s.lr_at(0) == Approx(1e-5));                     // base * ratio
  CHECK(s.lr_at(10) == Approx(1e-3 * (0.01 + 0.99 / 2)));  // halfway up the ramp
  CHECK(s.lr_at(19) < s.lr_at(20));
  CHECK(s.lr_at(20) == Approx(1e-3));                    // end of warmup: the full rate
  CHECK(s.lr_at(60) == Approx(1e-3 * (0.5 * 0.99 + 0.01)));  // middle of the cosine
  CHECK(s.lr_at(99) > 1e-5f);
  CHECK(s.lr_at(99) == Approx(1e-5).epsilon(0.05));
  CHECK(s.lr_at(100) == Approx(1e-5));                   // base * lrf
  CHECK(s.lr_at(5000) == Approx(1e-5));                  // past the end: the final rate
  const std::vector<float> decay = lrs(s, 20, 100);
  CHECK(std::is_sorted(decay.rbegin(), decay.rend()));
}

TEST_CASE("scheduler: cosine without warmup matches the classic LambdaLR", "[train][scheduler]") {
  SchedulerOptions o = options(Kind::cosine);
  o.lrf = 0.1f;
  const Scheduler s(o);
  CHECK(s.warmup_steps() == 0);
  for (std::int64_t step : {0, 13, 50, 77, 99}) {
    const double lambda = (1 + std::cos(3.141592653589793 * step / 100.0)) / 2 * (1 - 0.1) + 0.1;
    CHECK(s.lr_at(step) == Approx(1e-3 * lambda));
  }
}

TEST_CASE("scheduler: step decays by factor every step_size epochs after warmup", "[train][scheduler]") {
  SchedulerOptions o = options(Kind::step);
  o.step_size = 3;
  o.factor = 0.1f;
  const Scheduler plain(o);
  CHECK(plain.lr_at(29) == Approx(1e-3));
  CHECK(plain.lr_at(30) == Approx(1e-4));
  CHECK(plain.lr_at(59) == Approx(1e-4));
  CHECK(plain.lr_at(60) == Approx(1e-5));
  CHECK(plain.lr_at(99) == Approx(1e-6));

  o.warmup_epochs = 0.5f;  // 5 steps: the boundaries move with the schedule's start
  o.warmup_lr_ratio = 0.0f;
  const Scheduler warm(o);
  CHECK(warm.lr_at(0) == 0.0f);
  CHECK(warm.lr_at(5) == Approx(1e-3));
  CHECK(warm.lr_at(34) == Approx(1e-3));
  CHECK(warm.lr_at(35) == Approx(1e-4));
}

TEST_CASE("scheduler: plateau reduces after patience epochs without a new best", "[train][scheduler]") {
  SchedulerOptions o = options(Kind::plateau);
  o.patience = 2;
  o.factor = 0.5f;
  Scheduler s(o);
  CHECK_FALSE(s.on_epoch_end(0.5f));
  CHECK_FALSE(s.on_epoch_end(0.6f));   // best
  CHECK_FALSE(s.on_epoch_end(0.6f));   // 1 epoch without improvement
  CHECK_FALSE(s.on_epoch_end(0.55f));  // 2: still within patience
  CHECK(s.lr_at(50) == Approx(1e-3));
  CHECK(s.on_epoch_end(0.59f));        // 3 > patience: reduce
  CHECK(s.lr_at(50) == Approx(5e-4));
  CHECK_FALSE(s.on_epoch_end(0.61f));  // a new best resets the count
  CHECK_FALSE(s.on_epoch_end(0.6f));
  CHECK_FALSE(s.on_epoch_end(0.6f));
  CHECK(s.on_epoch_end(0.6f));
  CHECK(s.lr_at(50) == Approx(2.5e-4));
}

TEST_CASE("scheduler: constant keeps the base rate after warmup", "[train][scheduler]") {
  SchedulerOptions o = options(Kind::constant);
  o.warmup_epochs = 1;
  Scheduler s(o);
  CHECK(s.lr_at(0) == Approx(1e-3 * o.warmup_lr_ratio));
  for (float lr : lrs(s, 10, 120)) CHECK(lr == Approx(1e-3));
  CHECK_FALSE(s.on_epoch_end(0.1f));
}

TEST_CASE("scheduler: a restored state gives the same learning rates", "[train][scheduler]") {
  SchedulerOptions o = options(Kind::plateau);
  o.patience = 1;
  o.warmup_epochs = 1;
  Scheduler original(o);
  for (float metric : {0.3f, 0.4f, 0.4f, 0.35f}) original.on_epoch_end(metric);  // one reduction, a best of 0.4
  Scheduler restored(o);
  restored.load_state(original.state());
  CHECK(lrs(restored, 0, 100) == lrs(original, 0, 100));
  for (float metric : {0.39f, 0.38f, 0.45f, 0.2f, 0.2f}) {
    CHECK(restored.on_epoch_end(metric) == original.on_epoch_end(metric));
    CHECK(restored.lr_at(40) == original.lr_at(40));
  }
  CHECK(restored.state() == original.state());

  Scheduler cosine(options(Kind::cosine));
  cosine.load_state(Scheduler(options(Kind::cosine)).state());
  CHECK_THROWS_WITH(cosine.load_state(original.state()), Catch::Contains("of a plateau schedule, not of this cosine"));
  CHECK_THROWS_WITH(cosine.load_state("{not json"), Catch::Contains("scheduler state is not valid"));
  CHECK_THROWS_WITH(cosine.load_state("{\"kind\": \"cosine\"}"), Catch::Contains("scheduler state is not valid"));
}

TEST_CASE("scheduler: bad options get one clear sentence", "[train][scheduler]") {
  auto error = [](auto change) {
    SchedulerOptions o = options(Kind::cosine);
    change(o);
    try {
      Scheduler s(o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error([](auto& o) { o.base_lr = 0; }), Catch::Contains("learning rate must be positive, got 0"));
  CHECK_THAT(error([](auto& o) { o.steps_per_epoch = 0; }), Catch::Contains("at least one step per epoch"));
  CHECK_THAT(error([](auto& o) { o.epochs = -1; }), Catch::Contains("at least one epoch, got -1"));
  CHECK_THAT(error([](auto& o) { o.warmup_epochs = 10; }), Catch::Contains("warmup epochs must be in [0, epochs = 10)"));
  CHECK_THAT(error([](auto& o) { o.warmup_lr_ratio = 2; }), Catch::Contains("warmup start ratio must be in [0, 1]"));
  CHECK_THAT(error([](auto& o) { o.lrf = -0.5f; }), Catch::Contains("cosine floor lrf must be in [0, 1]"));
  CHECK_THAT(error([](auto& o) { o.kind = Kind::step, o.step_size = 0; }), Catch::Contains("step size of at least one epoch"));
  CHECK_THAT(error([](auto& o) { o.kind = Kind::plateau, o.factor = 1; }), Catch::Contains("decay factor must be in (0, 1), got 1"));
  CHECK_THAT(error([](auto& o) { o.kind = Kind::plateau, o.patience = -1; }), Catch::Contains("patience must not be negative"));
  CHECK(error([](auto& o) { o.factor = 7; }) == "no error");  // cosine has no use for the factor

  CHECK(parse_scheduler_kind("const") == Kind::constant);
  CHECK(parse_scheduler_kind(scheduler_kind_name(Kind::plateau)) == Kind::plateau);
  CHECK_THROWS_WITH(parse_scheduler_kind("linear"), Catch::Contains("unknown learning-rate schedule 'linear'"));
}
