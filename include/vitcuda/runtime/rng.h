#pragma once
// Random numbers. Rng: a seeded stream for initialisation and test data (std::mt19937_64).
// philox4x32: the counter-based generator used by dropout and drop-path, so that element i's
// random number depends only on (seed, i): identical for any thread count and on cpu and cuda.
#include <array>
#include <cstdint>
#include <random>

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

// Philox4x32-10 (Salmon et al., SC'11): 4 random 32-bit words for a 128-bit counter and 64-bit key.
inline std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> counter,
                                               std::uint64_t key) {
  std::uint32_t k0 = static_cast<std::uint32_t>(key), k1 = static_cast<std::uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = 0xD2511F53ull * counter[0];
    const std::uint64_t p1 = 0xCD9E8D57ull * counter[2];
    counter = {static_cast<std::uint32_t>(p1 >> 32) ^ counter[1] ^ k0, static_cast<std::uint32_t>(p1),
               static_cast<std::uint32_t>(p0 >> 32) ^ counter[3] ^ k1, static_cast<std::uint32_t>(p0)};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return counter;
}

// Uniform float in [0, 1) for element `index` of the stream `seed`.
inline float philox_uniform(std::uint64_t seed, std::uint64_t index) {
  const auto words = philox4x32({static_cast<std::uint32_t>(index >> 2),
                                 static_cast<std::uint32_t>(index >> 34), 0u, 0u}, seed);
  return static_cast<float>(words[index & 3] >> 8) * (1.0f / 16777216.0f);
}

}  // namespace vit
