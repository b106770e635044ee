// ImageFolder::parse_class_indices, the reader of a run folder's class_indices.json (vit_predict).
// Property of an accepted file: one name per key, none left unset by a gap in the indices.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_target.h"
#include "vitcuda/data/image_folder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> names;
  if (!vit::fuzz::accepted([&] { names = vit::data::ImageFolder::parse_class_indices(text, "fuzz input"); })) return 0;
  const nlohmann::json indices = nlohmann::json::parse(text);
  FUZZ_EXPECT(names.size() == indices.size());
  for (std::size_t i = 0; i < names.size(); ++i) FUZZ_EXPECT(indices.at(std::to_string(i)) == names[i]);
  return 0;
}
