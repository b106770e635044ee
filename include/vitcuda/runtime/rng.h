#pragma once
// Random numbers. Rng: a seeded stream for initialisation and test data (std::mt19937_64).
// philox4x32: the counter-based generator used by dropout and drop-path, so that element i's
// random number depends only on (seed, i): identical for any thread count and on cpu and cuda.
#include <array>
#include <cstdint>
#include <random>

#include "vitcuda/runtime/philox.h"

namespace vit {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}
  float normal(float mean = 0.0f, float stddev = 1.0f);
  float uniform(float low = 0.0f, float high = 1.0f);
  std::uint64_t next_u64() { return engine_(); }
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

// Philox4x32-10 on std::array (the generator itself, shared with CUDA code, is in philox.h).
inline std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> counter, std::uint64_t key) {
  const PhiloxBlock block = philox4x32_10({{counter[0], counter[1], counter[2], counter[3]}}, key);
  return {block.word[0], block.word[1], block.word[2], block.word[3]};
}

}  // namespace vit
