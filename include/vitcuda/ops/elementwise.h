#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// a + b where b has a's shape (residual add) or a's shape with a leading 1 broadcast over
// a's first dim (position embeddings [1, N, D] added to [B, N, D]).
Tensor add(const Tensor& a, const Tensor& b, Tape& tape);

// Exact GELU: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)).
Tensor gelu(const Tensor& x, Tape& tape);

Tensor tanh(const Tensor& x, Tape& tape);

}  // namespace vit
