#pragma once
// Training checkpoints: three files in the run folder, named after the checkpoint ("last", "best"):
//   <name>.safetensors        the weights with timm's names (any safetensors reader loads them)
//   <name>.optim.safetensors  the optimizer state (Optimizer::state())
//   <name>.state.json         epoch, step, best metric, scheduler state, dropout and data seeds,
//                             the run's config, and the byte size of the two files above
// All three are first written beside their final names and only then renamed over them, so a
// crash while writing leaves the previous checkpoint whole. The two safetensors files and the
// JSON also share a checkpoint id: a crash between the renames leaves files of two different
// saves, which load_checkpoint refuses with a clear message instead of mixing them.
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

// The training state alone (the files' sizes checked, their contents not read): e.g. the run's
// config, to build the model and optimizer that load_checkpoint then fills.
TrainingState read_checkpoint_state(const std::filesystem::path& dir_or_file);

}  // namespace vit::train
