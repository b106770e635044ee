#pragma once
// Random numbers keyed by position rather than by sequence (Philox4x32-10 from runtime/rng.h):
// the draws for (seed, stream, key) are the same on every platform, for any thread count and
// in any order of evaluation. Streams keep the uses apart: split, shuffle, augmentation.
#include <array>
#include <cstdint>
#include <vector>

#include "vitcuda/runtime/rng.h"

namespace vit::data::detail {

enum class Stream : std::uint32_t { split = 1, shuffle = 2, augment = 3 };

class KeyedRandom {
 public:
  KeyedRandom(std::uint64_t seed, Stream stream, std::uint64_t key, std::uint32_t sub = 0)
      : seed_(seed), key_(key), stream_((static_cast<std::uint32_t>(stream) << 24) ^ sub) {}

  std::uint32_t next_u32() {
    if (used_ == 4) {
      words_ = philox4x32({block_++, static_cast<std::uint32_t>(key_),
                           static_cast<std::uint32_t>(key_ >> 32), stream_}, seed_);
      used_ = 0;
    }
    return words_[used_++];
  }
  double uniform() { return (next_u32() >> 8) * (1.0 / 16777216.0); }  // [0, 1)
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Integer in [0, bound) by multiply-shift (Lemire); bias below bound / 2^32.
  std::uint32_t below(std::uint32_t bound) {
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(next_u32()) * bound) >> 32);
  }

 private:
  std::uint64_t seed_, key_;
  std::uint32_t stream_, block_ = 0;
  std::array<std::uint32_t, 4> words_{};
  int used_ = 4;
};

// A Fisher-Yates permutation of 0..n-1.
inline std::vector<std::int64_t> permutation(std::int64_t n, KeyedRandom random) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[i] = i;
  for (std::int64_t i = n - 1; i > 0; --i) {
    std::swap(order[i], order[random.below(static_cast<std::uint32_t>(i + 1))]);
  }
  return order;
}

}  // namespace vit::data::detail
