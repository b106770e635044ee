// parse_safetensors, the reader behind --pretrained, --resume and vit_predict --checkpoint.
// Property of an accepted file: its tensors' bytes fit in the input.
#include <cstdint>
#include <string>

#include "fuzz_target.h"
#include "vitcuda/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  vit::SafetensorsFile file;
  if (!vit::fuzz::accepted([&] { file = vit::parse_safetensors(bytes, "fuzz input"); })) return 0;
  std::uint64_t tensor_bytes = 0;
  for (const auto& [name, tensor] : file.tensors) {
    FUZZ_EXPECT(tensor.numel() >= 0);
    tensor_bytes += static_cast<std::uint64_t>(tensor.numel());  // at least one byte per element
  }
  FUZZ_EXPECT(tensor_bytes <= size);
  return 0;
}
