#include "train/checkpoint_state.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "vitcuda/runtime/check.h"

namespace vit::train::detail {

namespace {

using json = nlohmann::ordered_json;  // keeps the config's key order

json parse_object(const std::string& text, const std::string& what) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  VIT_CHECK(value.is_object(), "the training state's ", what, " must be a JSON object, got '", text, "'.");
  return value;
}

json part_json(const CheckpointPart& part) {
  return json{{"name", part.file}, {"bytes", part.bytes}, {"sha256", part.sha256}};
}

// nlohmann converts between number kinds silently (1e30 to an integer is undefined behaviour, -1
// to an unsigned wraps around): a count must be a JSON whole number from 0 to `max`.
std::uint64_t count_at(const json& object, const char* key, const std::string& source,
                       std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
  const json& value = object.at(key);
  VIT_CHECK(value.is_number_unsigned() && value.get<std::uint64_t>() <= max, "'", source, "' holds ", key, " = ",
            value.dump(), ": expected a whole number from 0 to ", max, " (edited by hand?).");
  return value.get<std::uint64_t>();
}

CheckpointPart read_part(const json& record, int version, const std::string& source) {
  CheckpointPart part{record.at("name").get<std::string>(), count_at(record, "bytes", source), ""};
  VIT_CHECK(!part.file.empty() && part.file.find('/') == std::string::npos && part.file.ends_with(".safetensors"),
            "'", source, "' names the data file '", part.file, "', which is not a .safetensors file beside it.");
  if (version >= 2) {
    part.sha256 = record.at("sha256").get<std::string>();
    VIT_CHECK(is_lower_hex(part.sha256, 64), "'", source, "' has a malformed SHA-256 for '", part.file, "'.");
  }
  return part;
}

}  // namespace

bool is_lower_hex(const std::string& text, std::size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string checkpoint_state_text(const CheckpointRecord& record) {
  const TrainingState& state = record.training;
  const json text = {{"format", kCheckpointFormat},
                     {"version", kCheckpointVersion},
                     {"id", record.id},
                     {"files", {{"weights", part_json(record.weights)}, {"optimizer", part_json(record.optimizer)}}},
                     {"epoch", state.epoch},
                     {"step", state.step},
                     {"best_metric", std::isfinite(state.best_metric) ? json(state.best_metric) : json(nullptr)},
                     {"scheduler", parse_object(state.scheduler, "scheduler state")},
                     {"dropout", {{"seed", record.dropout_seed}, {"forward_count", record.forward_count}}},
                     {"data_seed", state.data_seed},
                     {"steps_per_epoch", state.steps_per_epoch},
                     {"world_size", state.world_size},
                     {"config", parse_object(state.config, "config")}};
  return text.dump(2) + "\n";
}

CheckpointRecord parse_checkpoint_state(const std::string& text, const std::string& source) {
  const json state = json::parse(text, nullptr, /*allow_exceptions=*/false);
  VIT_CHECK(state.is_object() && state.contains("format") && state.at("format") == kCheckpointFormat, "'", source,
            "' is corrupt or not a vitcuda checkpoint state (a crash while saving?).");
  try {
    const std::uint64_t version = count_at(state, "version", source);
    VIT_CHECK(version == 1 || version == kCheckpointVersion, "'", source, "' is a version ", version,
              " checkpoint; this build reads versions 1 to ", kCheckpointVersion, ".");
    CheckpointRecord record;
    record.id = state.at("id").get<std::string>();
    VIT_CHECK(is_lower_hex(record.id, 16), "'", source, "' has a malformed checkpoint id.");
    record.weights = read_part(state.at("files").at("weights"), static_cast<int>(version), source);
    record.optimizer = read_part(state.at("files").at("optimizer"), static_cast<int>(version), source);
    record.dropout_seed = count_at(state.at("dropout"), "seed", source);
    record.forward_count = count_at(state.at("dropout"), "forward_count", source);
    TrainingState& training = record.training;
    constexpr auto kMaxCount = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    training.epoch = static_cast<std::int64_t>(count_at(state, "epoch", source, kMaxCount));
    training.step = static_cast<std::int64_t>(count_at(state, "step", source, kMaxCount));
    const json& best = state.at("best_metric");
    const double best_value = best.is_null() ? 0.0 : best.get<double>();
    // The metric is an accuracy: a hand-edited 1e300 would block every later "best".
    VIT_CHECK(best_value >= 0.0 && best_value <= 1.0, "'", source, "' holds the best metric ", best.dump(),
              ": out of range (edited by hand?).");
    training.best_metric = best.is_null() ? -std::numeric_limits<float>::infinity() : static_cast<float>(best_value);
    VIT_CHECK(state.at("scheduler").is_object() && state.at("config").is_object(), "'", source,
              "' is corrupt: its scheduler state and config must be JSON objects.");
    training.scheduler = state.at("scheduler").dump();
    training.config = state.at("config").dump();
    training.data_seed = count_at(state, "data_seed", source);
    if (state.contains("steps_per_epoch")) {  // written since data-parallel runs
      training.steps_per_epoch = static_cast<std::int64_t>(count_at(state, "steps_per_epoch", source, kMaxCount));
      training.world_size = static_cast<std::int64_t>(count_at(state, "world_size", source, kMaxCount));
    }
    return record;
  } catch (const json::exception& e) {
    VIT_FAIL("'", source, "' is corrupt: ", e.what(), ".");
  }
}

}  // namespace vit::train::detail
