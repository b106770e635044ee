// A checkpoint's state file (<name>.state.json) as --resume reads it: the record, then the run
// config and the scheduler state it carries. Property of an accepted record: written out again
// and read back, it is the same record.
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_target.h"
#include "train/checkpoint_state.h"
#include "vitcuda/train/scheduler.h"
#include "vitcuda/train/train_config.h"

namespace {

using namespace vit::train;

bool same_part(const detail::CheckpointPart& a, const detail::CheckpointPart& b) {
  return a.file == b.file && a.bytes == b.bytes && a.sha256 == b.sha256;
}

bool same_record(const detail::CheckpointRecord& a, const detail::CheckpointRecord& b) {
  const TrainingState &x = a.training, &y = b.training;
  return x.epoch == y.epoch && x.step == y.step &&
         std::memcmp(&x.best_metric, &y.best_metric, sizeof(float)) == 0 && x.scheduler == y.scheduler &&
         x.config == y.config && x.data_seed == y.data_seed && a.id == b.id && a.dropout_seed == b.dropout_seed &&
         a.forward_count == b.forward_count && same_part(a.weights, b.weights) && same_part(a.optimizer, b.optimizer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  detail::CheckpointRecord record;
  if (!vit::fuzz::accepted([&] { record = detail::parse_checkpoint_state(text, "fuzz input"); })) return 0;
  if (!record.weights.sha256.empty()) {  // version 2: what save_checkpoint writes
    const detail::CheckpointRecord again =
        detail::parse_checkpoint_state(detail::checkpoint_state_text(record), "fuzz input written again");
    FUZZ_EXPECT(same_record(record, again));
  }
  vit::fuzz::accepted([&] { TrainConfig::from_json(record.training.config, TrainConfig{}).validate(); });
  for (const auto kind : {SchedulerOptions::Kind::cosine, SchedulerOptions::Kind::plateau}) {
    Scheduler scheduler(SchedulerOptions{.kind = kind});
    vit::fuzz::accepted([&] { scheduler.load_state(record.training.scheduler); });
  }
  return 0;
}
