#pragma once
#include <cstdint>
#include <utility>

#include "vitcuda/autograd/tape.h"

namespace vit {

// A mask's seed: `offset`, plus the 64-bit value `base` holds when it is defined (a seed tensor on
// the op's device, see write_seed), read when the kernels run. A CUDA graph captures the base's
// address, so writing a new base before each replay draws new masks.
struct Seed {
  Seed(std::uint64_t value) : offset(value) {}  // NOLINT: a plain seed converts
  Seed(std::uint64_t offset, Tensor base) : offset(offset), base(std::move(base)) {}
  std::uint64_t offset;
  Tensor base;
};

// A seed tensor on `device` (i32 [2]: the low and high words) and its writer, which queues the
// write on the device without waiting for it.
Tensor seed_tensor(Device device);
void write_seed(const Tensor& base, std::uint64_t value);

// Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p).
// Element i is dropped when philox_uniform(seed, i) < p, so a (seed, shape) pair always gives the
// same mask. p == 0 returns x itself.
Tensor dropout(const Tensor& x, float p, const Seed& seed, Tape& tape);

// Stochastic depth: zero whole samples (rows of dim 0) with probability p, scale the rest.
Tensor drop_path(const Tensor& x, float p, const Seed& seed, Tape& tape);

}  // namespace vit
