#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p).
// Element i is dropped when philox_uniform(seed, i) < p, so a (seed, shape) pair always gives the
// same mask. p == 0 returns x itself.
Tensor dropout(const Tensor& x, float p, std::uint64_t seed, Tape& tape);

// Stochastic depth: zero whole samples (rows of dim 0) with probability p, scale the rest.
Tensor drop_path(const Tensor& x, float p, std::uint64_t seed, Tape& tape);

}  // namespace vit
