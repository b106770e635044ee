#pragma once
// Training checkpoints, named after the checkpoint ("last", "best"), in the run folder:
//   <name>.<id>.safetensors        the weights with timm's names, of the save with this id
//   <name>.<id>.optim.safetensors  the optimizer state (Optimizer::state())
//   <name>.state.json              epoch, step, best metric, scheduler state, dropout and data
//                                  seeds, the run's config, and the names, byte sizes and SHA-256
//                                  of the two data files
//   <name>.safetensors, <name>.optim.safetensors   hard links to the data files, for any
//                                  safetensors reader and vit_predict
// A save writes and flushes the data files under new names, then the state beside its final
// name, and commits with one rename of the state: a crash at any moment leaves the previous
// checkpoint whole and loadable. The previous save's files and a crashed save's leftovers are
// removed after the commit. Loading verifies sizes, hashes and the shared checkpoint id.
#include <cstdint>
#include <filesystem>
#include <string>

#include "vitcuda/layers/vit.h"
#include "vitcuda/optim/optimizer.h"

namespace vit::train {

struct TrainingState {
  std::int64_t epoch = 0;        // epochs completed
  std::int64_t step = 0;         // optimizer steps completed
  float best_metric = 0.0f;      // best validation metric so far (a non-finite value is kept as -inf)
  std::string scheduler = "{}";  // Scheduler::state(): a JSON object
  std::string config = "{}";     // the run's full config: a JSON object
  std::uint64_t data_seed = 0;   // the data loader's seed
  // The run's shape when it saved: a resume with another number of processes or batch size
  // maps `step` to its own epochs. 0 steps: not recorded (checkpoints of older versions).
  std::int64_t steps_per_epoch = 0;
  std::int64_t world_size = 1;
};

// Writes <dir>/<name>.{safetensors,optim.safetensors,state.json}, creating `dir` if needed. The
// model's dropout seed and forward count are saved with the state.
void save_checkpoint(const std::filesystem::path& dir, const std::string& name, const ViT& model,
                     const optim::Optimizer& optimizer, const TrainingState& state);

// Restores a checkpoint from a run folder (its "last") or a given <name>.safetensors: the
// weights, the optimizer state and the model's dropout state; returns the training state. A
// missing, truncated, corrupt or mismatched checkpoint throws one sentence saying what is wrong,
// and then leaves the model and optimizer as they were.
TrainingState load_checkpoint(const std::filesystem::path& dir_or_file, ViT& model, optim::Optimizer& optimizer);

// The training state alone (the files' sizes and hashes checked, not loaded): e.g. the run's
// config, to build the model and optimizer that load_checkpoint then fills.
TrainingState read_checkpoint_state(const std::filesystem::path& dir_or_file);

// The file a reader of the weights alone (vit_predict) opens for `file`: for a vit_train checkpoint
// (<name>.state.json beside <name>.safetensors), the data file its state names, size and SHA-256
// checked, since the stable name carries no hash of its own; any other safetensors file as it is.
std::filesystem::path weights_file_to_load(const std::filesystem::path& file);

}  // namespace vit::train
