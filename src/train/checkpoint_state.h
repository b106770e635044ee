#pragma once
// The state file of a checkpoint, <name>.state.json: written last by save_checkpoint, it commits a
// save and names its data files with their sizes and SHA-256; every load reads it first. Its text
// format lives here alone, apart from the files around it, so the fuzz target reads it as a load does.
#include <cstdint>
#include <string>

#include "vitcuda/train/checkpoint.h"

namespace vit::train::detail {

inline constexpr const char* kCheckpointFormat = "vitcuda-checkpoint";
// 2: data files named by checkpoint id, with their SHA-256 in the state. 1 (still read): fixed
// names, byte sizes only.
inline constexpr int kCheckpointVersion = 2;

// A data file of a checkpoint as its state records it.
struct CheckpointPart {
  std::string file;    // plain file name in the checkpoint's folder
  std::uint64_t bytes = 0;
  std::string sha256;  // empty in version 1
};

struct CheckpointRecord {
  TrainingState training;  // scheduler and config: JSON objects
  std::string id;          // 16 lowercase hex digits, shared with the data files' metadata
  std::uint64_t dropout_seed = 0, forward_count = 0;
  CheckpointPart weights, optimizer;
};

bool is_lower_hex(const std::string& text, std::size_t length);

// The state file's text for a record of the current version (whose parts carry their SHA-256).
std::string checkpoint_state_text(const CheckpointRecord& record);

// Reads a state file's text; anything malformed, out of range or of another version throws one
// sentence naming `source`.
CheckpointRecord parse_checkpoint_state(const std::string& text, const std::string& source);

}  // namespace vit::train::detail
