#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// Prepends the class token to every sequence: cls [1, 1, D], tokens [B, N, D] -> [B, N+1, D].
Tensor concat_class_token(const Tensor& cls_token, const Tensor& tokens, Tape& tape);

// One token of every sequence: x [B, N, D] -> [B, D] (index 0 is the class token).
Tensor select_token(const Tensor& x, std::int64_t index, Tape& tape);

// Mean of the tokens first..N-1 of every sequence: x [B, N, D] -> [B, D] (timm's global average
// pooling is first = 1: the class token is left out). Backward: dout / (N - first) at those tokens.
Tensor mean_tokens(const Tensor& x, std::int64_t first, Tape& tape);

}  // namespace vit
