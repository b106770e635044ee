#include "vitcuda/train/checkpoint.h"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "vitcuda/io/safetensors.h"
#include "vitcuda/layers/pretrained.h"
#include "vitcuda/runtime/check.h"

namespace vit::train {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;  // keeps the config's key order

namespace {

constexpr const char* kFormat = "vitcuda-checkpoint";
constexpr int kVersion = 1;

struct Files {
  fs::path weights, optimizer, state;
};

Files files_of(const fs::path& dir, const std::string& name) {
  return {dir / (name + ".safetensors"), dir / (name + ".optim.safetensors"), dir / (name + ".state.json")};
}

// Where a file is written before the renames that publish a whole checkpoint.
fs::path staged(const fs::path& path) { return fs::path(path.string() + ".new"); }

std::string new_checkpoint_id() {
  std::random_device device;
  const std::uint64_t value = (static_cast<std::uint64_t>(device()) << 32) | device();
  std::ostringstream out;
  out << std::hex << std::setw(16) << std::setfill('0') << value;  // fixed width: same file sizes
  return out.str();
}

json parse_object(const std::string& text, const std::string& what) {
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  VIT_CHECK(value.is_object(), "the training state's ", what, " must be a JSON object, got '", text, "'.");
  return value;
}

void publish(const fs::path& path) {
  std::error_code error;
  fs::rename(staged(path), path, error);
  VIT_CHECK(!error, "cannot rename '", staged(path).string(), "' to '", path.string(), "': ", error.message(), ".");
}

// The files of the checkpoint that `dir_or_file` points at: a run folder's last, or <name>.safetensors.
Files locate(const fs::path& dir_or_file) {
  fs::path dir = dir_or_file;
  std::string name = "last";
  if (!fs::is_directory(dir_or_file)) {
    const std::string file = dir_or_file.filename().string();
    const std::string suffix = ".safetensors", optimizer_suffix = ".optim.safetensors";
    VIT_CHECK(!file.ends_with(optimizer_suffix), "'", dir_or_file.string(),
              "' is the optimizer state of a checkpoint: give its <name>.safetensors or the run folder.");
    VIT_CHECK(file.size() > suffix.size() && file.ends_with(suffix), "'", dir_or_file.string(),
              "' is neither a run folder nor a <name>.safetensors checkpoint.");
    dir = dir_or_file.has_parent_path() ? dir_or_file.parent_path() : fs::path(".");
    name = file.substr(0, file.size() - suffix.size());
  }
  const Files files = files_of(dir, name);
  VIT_CHECK(fs::is_regular_file(files.state), "no checkpoint '", name, "' in '", dir.string(), "': '",
            files.state.filename().string(), "' is missing.");
  return files;
}

// The state file's fields, read before anything is changed.
struct SavedState {
  TrainingState training;
  std::string id;
  std::uint64_t dropout_seed = 0, forward_count = 0;
  std::uint64_t weights_bytes = 0, optimizer_bytes = 0;
};

SavedState read_state(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  VIT_CHECK(in.good(), "cannot read '", path.string(), "'.");
  std::ostringstream text;
  text << in.rdbuf();
  const json state = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  VIT_CHECK(state.is_object() && state.contains("format") && state.at("format") == kFormat, "'", path.string(),
            "' is corrupt or not a vitcuda checkpoint state (a crash while saving?).");
  try {
    const int version = state.at("version").get<int>();
    VIT_CHECK(version == kVersion, "'", path.string(), "' is a version ", version,
              " checkpoint; this build reads version ", kVersion, ".");
    SavedState saved;
    saved.id = state.at("id").get<std::string>();
    saved.weights_bytes = state.at("files").at("weights").at("bytes").get<std::uint64_t>();
    saved.optimizer_bytes = state.at("files").at("optimizer").at("bytes").get<std::uint64_t>();
    saved.dropout_seed = state.at("dropout").at("seed").get<std::uint64_t>();
    saved.forward_count = state.at("dropout").at("forward_count").get<std::uint64_t>();
    TrainingState& training = saved.training;
    training.epoch = state.at("epoch").get<std::int64_t>();
    training.step = state.at("step").get<std::int64_t>();
    const json& best = state.at("best_metric");
    training.best_metric = best.is_null() ? -std::numeric_limits<float>::infinity() : best.get<float>();
    training.scheduler = state.at("scheduler").dump();
    training.config = state.at("config").dump();
    training.data_seed = state.at("data_seed").get<std::uint64_t>();
    return saved;
  } catch (const json::exception& e) {
    VIT_FAIL("'", path.string(), "' is corrupt: ", e.what(), ".");
  }
}

void check_size(const fs::path& path, std::uint64_t recorded_bytes, const fs::path& state_path) {
  VIT_CHECK(fs::is_regular_file(path), "'", path.string(), "' is missing: the checkpoint '",
            state_path.string(), "' is incomplete.");
  const std::uint64_t bytes = fs::file_size(path);
  VIT_CHECK(bytes == recorded_bytes, "'", path.string(), "' is ", bytes, " bytes but its checkpoint recorded ",
            recorded_bytes, ": the checkpoint is incomplete (a crash while saving?); use another checkpoint.");
}

// Loads one of the checkpoint's safetensors files after checking it is whole and of this save.
SafetensorsFile read_part(const fs::path& path, std::uint64_t recorded_bytes, const SavedState& saved,
                          const fs::path& state_path) {
  check_size(path, recorded_bytes, state_path);
  SafetensorsFile file = load_safetensors(path.string());
  auto id = file.metadata.find("checkpoint_id");
  VIT_CHECK(id != file.metadata.end() && id->second == saved.id, "'", path.string(),
            "' and '", state_path.string(), "' come from different saves (a crash between writing them?): "
            "use another checkpoint, e.g. best instead of last.");
  return file;
}

void check_weights(const ViT& model, const SafetensorsFile& file, const fs::path& path) {
  const std::vector<nn::NamedTensor> params = model.named_parameters();
  for (const nn::NamedTensor& p : params) {
    auto it = file.tensors.find(p.name);
    VIT_CHECK(it != file.tensors.end(), "'", path.string(), "' has no tensor '", p.name,
              "': it is a checkpoint of another model.");
    VIT_CHECK(it->second.shape() == p.tensor.shape() && it->second.dtype() == p.tensor.dtype(), "'",
              path.string(), "' holds '", p.name, "' as ", shape_str(it->second.shape()), " but the model has ",
              shape_str(p.tensor.shape()), ": it is a checkpoint of another model.");
  }
  VIT_CHECK(file.tensors.size() == params.size(), "'", path.string(), "' holds ", file.tensors.size(),
            " tensors but the model has ", params.size(), " parameters: it is a checkpoint of another model.");
}

// Optimizer::load_state ignores state it has no place for; here that means another optimizer kind
// (or other frozen parameters), which must not resume silently from zeros.
void check_optimizer_names(const optim::Optimizer& optimizer, const SafetensorsFile& file, const fs::path& path) {
  std::set<std::string> expected{"step"};
  for (const optim::ParamGroup& group : optimizer.groups()) {
    for (const nn::NamedTensor& p : group.params) {
      for (const std::string& slot : optimizer.slot_names()) expected.insert(p.name + "." + slot);
    }
  }
  for (const auto& [name, tensor] : file.tensors) {
    VIT_CHECK(expected.contains(name), "'", path.string(), "' holds optimizer state '", name,
              "' that this optimizer has no place for: resume with the same optimizer and frozen parameters.");
  }
}

}  // namespace

void save_checkpoint(const fs::path& dir, const std::string& name, const ViT& model,
                     const optim::Optimizer& optimizer, const TrainingState& state) {
  VIT_CHECK(!name.empty() && name.find('/') == std::string::npos,
            "a checkpoint name must be a plain file name such as 'last', got '", name, "'.");
  const json scheduler = parse_object(state.scheduler, "scheduler state");
  const json config = parse_object(state.config, "config");
  std::error_code error;
  fs::create_directories(dir, error);
  VIT_CHECK(!error, "cannot create the checkpoint folder '", dir.string(), "': ", error.message(), ".");

  const Files files = files_of(dir, name);
  const std::string id = new_checkpoint_id();
  const std::map<std::string, std::string> metadata{{"format", kFormat}, {"checkpoint_id", id}};
  save_weights(model, staged(files.weights).string(), metadata);
  save_safetensors(staged(files.optimizer).string(), optimizer.state(), metadata);

  const json record = {
      {"format", kFormat},
      {"version", kVersion},
      {"id", id},
      {"files",
       {{"weights", {{"name", files.weights.filename().string()}, {"bytes", fs::file_size(staged(files.weights))}}},
        {"optimizer",
         {{"name", files.optimizer.filename().string()}, {"bytes", fs::file_size(staged(files.optimizer))}}}}},
      {"epoch", state.epoch},
      {"step", state.step},
      {"best_metric", std::isfinite(state.best_metric) ? json(state.best_metric) : json(nullptr)},
      {"scheduler", scheduler},
      {"dropout", {{"seed", model.dropout_seed()}, {"forward_count", model.forward_count()}}},
      {"data_seed", state.data_seed},
      {"config", config}};
  {
    std::ofstream out(staged(files.state), std::ios::binary | std::ios::trunc);
    VIT_CHECK(out.good(), "cannot write '", staged(files.state).string(), "': check the folder is writable.");
    out << record.dump(2) << '\n';
    out.flush();
    VIT_CHECK(out.good(), "writing '", staged(files.state).string(), "' failed (disk full?).");
  }
  // The state goes last: until it is renamed, a load sees the previous state and refuses the
  // already renamed files by their checkpoint id.
  publish(files.weights);
  publish(files.optimizer);
  publish(files.state);
}

TrainingState load_checkpoint(const fs::path& dir_or_file, ViT& model, optim::Optimizer& optimizer) {
  const Files files = locate(dir_or_file);
  const SavedState saved = read_state(files.state);
  const SafetensorsFile weights = read_part(files.weights, saved.weights_bytes, saved, files.state);
  const SafetensorsFile optimizer_state = read_part(files.optimizer, saved.optimizer_bytes, saved, files.state);
  check_weights(model, weights, files.weights);
  check_optimizer_names(optimizer, optimizer_state, files.optimizer);

  optimizer.load_state(optimizer_state.tensors);  // checks shapes before changing anything
  for (nn::NamedTensor& p : model.named_parameters()) p.tensor.copy_from(weights.tensors.at(p.name));
  model.set_dropout_state(saved.dropout_seed, saved.forward_count);
  return saved.training;
}

TrainingState read_checkpoint_state(const fs::path& dir_or_file) {
  const Files files = locate(dir_or_file);
  const SavedState saved = read_state(files.state);
  check_size(files.weights, saved.weights_bytes, files.state);
  check_size(files.optimizer, saved.optimizer_bytes, files.state);
  return saved.training;
}

}  // namespace vit::train
