// TrainConfig::from_json, the reader of vit_train --config and of a run's config.json, then the
// checks a run makes before it starts. Property of an accepted config: its to_json() reads back
// as the same config.
#include <cstdint>
#include <string>

#include "fuzz_target.h"
#include "vitcuda/train/train_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using vit::train::TrainConfig;
  const std::string text(reinterpret_cast<const char*>(data), size);
  TrainConfig config;
  if (!vit::fuzz::accepted([&] { config = TrainConfig::from_json(text, TrainConfig{}); })) return 0;
  const std::string written = config.to_json();
  FUZZ_EXPECT(TrainConfig::from_json(written, TrainConfig{}).to_json() == written);
  vit::fuzz::accepted([&] {
    config.validate();
    config.model_config(10);
  });
  return 0;
}
