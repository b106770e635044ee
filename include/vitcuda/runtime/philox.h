#pragma once
// Philox4x32-10 (Salmon et al., SC'11) for host and device code: the counter-based generator of
// dropout and drop-path. Element i of the stream `seed` depends only on (seed, i), so the CPU
// kernels and the CUDA kernels (nvcc or the SIMT interpreter) draw identical masks.
#include <cstdint>

#if defined(__CUDACC__)
#define VIT_HOST_DEVICE __host__ __device__
#else
#define VIT_HOST_DEVICE
#endif

namespace vit {

struct PhiloxBlock {
  std::uint32_t word[4];
};

// 4 random 32-bit words for a 128-bit counter and a 64-bit key.
VIT_HOST_DEVICE inline PhiloxBlock philox4x32_10(PhiloxBlock counter, std::uint64_t key) {
  std::uint32_t k0 = static_cast<std::uint32_t>(key), k1 = static_cast<std::uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = 0xD2511F53ull * counter.word[0];
    const std::uint64_t p1 = 0xCD9E8D57ull * counter.word[2];
    counter = {{static_cast<std::uint32_t>(p1 >> 32) ^ counter.word[1] ^ k0, static_cast<std::uint32_t>(p1),
                static_cast<std::uint32_t>(p0 >> 32) ^ counter.word[3] ^ k1, static_cast<std::uint32_t>(p0)}};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return counter;
}

// Uniform float in [0, 1) for element `index` of the stream `seed` (24 random bits).
VIT_HOST_DEVICE inline float philox_uniform(std::uint64_t seed, std::uint64_t index) {
  const PhiloxBlock block = philox4x32_10(
      {{static_cast<std::uint32_t>(index >> 2), static_cast<std::uint32_t>(index >> 34), 0u, 0u}}, seed);
  return static_cast<float>(block.word[index & 3] >> 8) * (1.0f / 16777216.0f);
}

}  // namespace vit
