#include "vitcuda/train/checkpoint.h"

#include <iomanip>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "train/checkpoint_state.h"
#include "vitcuda/io/durable_file.h"
#include "vitcuda/io/safetensors.h"
#include "vitcuda/layers/pretrained.h"
#include "vitcuda/runtime/check.h"
#include "vitcuda/runtime/input_file.h"

namespace vit::train {

namespace fs = std::filesystem;
using namespace detail;

namespace {

// A checkpoint "name" in folder "dir": the state file commits it and names its data files.
struct Location {
  fs::path dir;
  std::string name;
  fs::path state() const { return dir / (name + ".state.json"); }
  // The stable names a safetensors reader or vit_predict opens: hard links to the data files.
  fs::path stable(bool optimizer) const { return dir / (name + (optimizer ? ".optim" : "") + ".safetensors"); }
};

std::string data_file_name(const std::string& name, const std::string& id, bool optimizer) {
  return name + "." + id + (optimizer ? ".optim" : "") + ".safetensors";
}

// Where a file is written before the rename that publishes it.
fs::path staged(const fs::path& path) { return fs::path(path.string() + ".new"); }

std::string new_checkpoint_id() {
  std::random_device device;
  const std::uint64_t value = (static_cast<std::uint64_t>(device()) << 32) | device();
  std::ostringstream out;
  out << std::hex << std::setw(16) << std::setfill('0') << value;  // fixed width: same file sizes
  return out.str();
}

// Points `stable` at `data` by a hard link (a copy where the file system has none), atomically.
void publish_stable_name(const fs::path& data, const fs::path& stable) {
  std::error_code error;
  fs::remove(staged(stable), error);
  fs::create_hard_link(data, staged(stable), error);
  if (error) fs::copy_file(data, staged(stable), fs::copy_options::overwrite_existing);
  rename_file(staged(stable), stable);
}

// The checkpoint that `dir_or_file` points at: a run folder's last, or <name>.safetensors.
Location locate(const fs::path& dir_or_file) {
  Location where{dir_or_file, "last"};
  if (!fs::is_directory(dir_or_file)) {
    const std::string file = dir_or_file.filename().string();
    const std::string suffix = ".safetensors", optimizer_suffix = ".optim.safetensors";
    VIT_CHECK(!file.ends_with(optimizer_suffix), "'", dir_or_file.string(),
              "' is the optimizer state of a checkpoint: give its <name>.safetensors or the run folder.");
    VIT_CHECK(file.size() > suffix.size() && file.ends_with(suffix), "'", dir_or_file.string(),
              "' is neither a run folder nor a <name>.safetensors checkpoint.");
    where.dir = dir_or_file.has_parent_path() ? dir_or_file.parent_path() : fs::path(".");
    where.name = file.substr(0, file.size() - suffix.size());
  }
  VIT_CHECK(fs::is_regular_file(where.state()), "no checkpoint '", where.name, "' in '", where.dir.string(), "': '",
            where.state().filename().string(), "' is missing.");
  return where;
}

// The state file's record, read before anything is changed.
CheckpointRecord read_state(const fs::path& path) {
  return parse_checkpoint_state(read_text_file(path, "checkpoint state"), path.string());
}

// A data file of the checkpoint, present and of the recorded size.
fs::path checked_part_path(const Location& where, const CheckpointPart& part) {
  const fs::path path = where.dir / part.file;
  VIT_CHECK(fs::is_regular_file(path), "'", path.string(), "' is missing: the checkpoint '",
            where.state().string(), "' is incomplete.");
  const std::uint64_t bytes = fs::file_size(path);
  VIT_CHECK(bytes == part.bytes, "'", path.string(), "' is ", bytes, " bytes but its checkpoint recorded ", part.bytes,
            ": the checkpoint is incomplete (a crash while saving?); use another checkpoint.");
  return path;
}

// Checks a data file's SHA-256 against its record (version 1 records none).
void check_hash(const Location& where, const CheckpointPart& part, const fs::path& path, const std::string& sha256) {
  VIT_CHECK(part.sha256.empty() || sha256 == part.sha256, "'", path.string(), "' does not match the SHA-256 that '",
            where.state().string(), "' recorded: it was changed or damaged; use another checkpoint.");
}

// Checks a data file against its record: present, of the recorded size and SHA-256.
void check_part(const Location& where, const CheckpointPart& part) {
  const fs::path path = checked_part_path(where, part);
  check_hash(where, part, path, part.sha256.empty() ? "" : sha256_of_file(path));
}

// Loads one of the checkpoint's safetensors files after checking it is whole and of this save.
// The file is read once: its hash is taken over the bytes that are then parsed.
SafetensorsFile read_part(const Location& where, const CheckpointPart& part, const CheckpointRecord& saved) {
  const fs::path path = checked_part_path(where, part);
  const InputFile input(path, "checkpoint file");
  std::string bytes(input.size(), '\0');
  input.read(bytes.data(), 0, bytes.size());
  check_hash(where, part, path, part.sha256.empty() ? "" : sha256_of_bytes(bytes));
  SafetensorsFile file = parse_safetensors(bytes, "'" + path.string() + "'");
  auto id = file.metadata.find("checkpoint_id");
  VIT_CHECK(id != file.metadata.end() && id->second == saved.id, "'", path.string(), "' and '",
            where.state().string(), "' come from different saves: use another checkpoint, e.g. best instead of last.");
  return file;
}

// Removes what crashed saves of `where` left (data files of no committed state, staged files),
// keeping the files in `keep`. While the state cannot be read, nothing is removed.
void remove_stale_files(const Location& where, const std::set<std::string>& keep) {
  const std::string prefix = where.name + ".";
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(where.dir, error)) {
    const std::string file = entry.path().filename().string();
    if (keep.contains(file) || !file.starts_with(prefix)) continue;
    const std::string rest = file.substr(prefix.size());  // <id>[.optim].safetensors, or staged names
    const bool data = rest.size() > 17 && is_lower_hex(rest.substr(0, 16), 16) && rest[16] == '.' &&
                      rest.ends_with(".safetensors");
    const bool staging = rest.ends_with(".tmp") || rest.ends_with(".new");  // write_file_atomically's, the links'
    if (data || staging) fs::remove(entry.path(), error);
  }
}

// The data files of the checkpoint committed at `where`, if its state can be read.
std::optional<std::set<std::string>> committed_files(const Location& where) {
  if (!fs::exists(where.state())) return std::set<std::string>{};
  try {
    const CheckpointRecord saved = read_state(where.state());
    return std::set<std::string>{saved.weights.file, saved.optimizer.file};
  } catch (const Error&) {
    return std::nullopt;
  }
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
  VIT_CHECK(!name.empty() && name.find('/') == std::string::npos && name.find('.') == std::string::npos,
            "a checkpoint name must be a plain name without dots such as 'last', got '", name, "'.");
  std::error_code error;
  fs::create_directories(dir, error);
  VIT_CHECK(!error, "cannot create the checkpoint folder '", dir.string(), "': ", error.message(), ".");
  const Location where{dir, name};
  if (const auto previous = committed_files(where)) remove_stale_files(where, *previous);

  // 1. The data files, under names no committed state uses, flushed to the disk.
  const std::string id = new_checkpoint_id();
  const std::map<std::string, std::string> metadata{{"format", kCheckpointFormat}, {"checkpoint_id", id}};
  const fs::path weights = dir / data_file_name(name, id, false), optimizer_file = dir / data_file_name(name, id, true);
  save_weights(model, weights.string(), metadata);
  save_safetensors(optimizer_file.string(), optimizer.state(), metadata);
  const auto part_of = [](const fs::path& path) {  // save_safetensors flushed it to the disk
    return CheckpointPart{path.filename().string(), fs::file_size(path), sha256_of_file(path)};
  };
  const CheckpointRecord record{state, id, model.dropout_seed(), model.forward_count(), part_of(weights),
                                part_of(optimizer_file)};
  // 2. The single commit point: until the state's rename a load sees the previous checkpoint, whole.
  write_file_atomically(where.state(), [&](std::ostream& out) { out << checkpoint_state_text(record); });
  sync_to_disk(dir);
  // 3. The stable names, then the previous save's files go.
  publish_stable_name(weights, where.stable(false));
  publish_stable_name(optimizer_file, where.stable(true));
  remove_stale_files(where, {weights.filename().string(), optimizer_file.filename().string()});
}

TrainingState load_checkpoint(const fs::path& dir_or_file, ViT& model, optim::Optimizer& optimizer) {
  const Location where = locate(dir_or_file);
  const CheckpointRecord saved = read_state(where.state());
  const SafetensorsFile weights = read_part(where, saved.weights, saved);
  const SafetensorsFile optimizer_state = read_part(where, saved.optimizer, saved);
  check_weights(model, weights, where.dir / saved.weights.file);
  check_optimizer_names(optimizer, optimizer_state, where.dir / saved.optimizer.file);

  optimizer.load_state(optimizer_state.tensors);  // checks shapes before changing anything
  for (nn::NamedTensor& p : model.named_parameters()) p.tensor.copy_from(weights.tensors.at(p.name));
  model.set_dropout_state(saved.dropout_seed, saved.forward_count);
  return saved.training;
}

TrainingState read_checkpoint_state(const fs::path& dir_or_file) {
  const Location where = locate(dir_or_file);
  const CheckpointRecord saved = read_state(where.state());
  check_part(where, saved.weights);
  check_part(where, saved.optimizer);
  return saved.training;
}

fs::path weights_file_to_load(const fs::path& file) {
  const std::string name = file.filename().string(), suffix = ".safetensors";
  if (!name.ends_with(suffix) || name.ends_with(".optim" + suffix)) return file;
  const Location where{file.has_parent_path() ? file.parent_path() : fs::path("."),
                       name.substr(0, name.size() - suffix.size())};
  if (!fs::exists(where.state())) return file;
  const CheckpointRecord saved = read_state(where.state());
  check_part(where, saved.weights);
  return where.dir / saved.weights.file;
}

}  // namespace vit::train
