#pragma once
// safetensors files (https://github.com/huggingface/safetensors format): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}},
// then the tensors' bytes. Reading applies every check of the reference reader; a bad file gets
// one vit::Error naming the file and what is wrong with it.
#include <map>
#include <string>

#include "vitcuda/runtime/tensor.h"

namespace vit {

struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;            // F32, F16 -> f32; BF16 -> bf16; I32; U8
  std::map<std::string, std::string> metadata;      // the optional "__metadata__" entry

  const Tensor& at(const std::string& name) const;  // throws naming the missing tensor
};

SafetensorsFile load_safetensors(const std::string& path);
SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& source_name);

// Writes to `path` atomically (write_file_atomically): a crash or a full disk never leaves half a file.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace vit
