#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// Multi-head softmax attention over a packed projection qkv [B, N, 3D] laid out like timm's
// (the 3D features of a token are q | k | v, each split into `heads` consecutive slices of D/heads):
// out[b, n, h*hd + j] = sum_m softmax_m(q.k / sqrt(hd)) v[m, j]  ->  [B, N, D].
Tensor attention(const Tensor& qkv, int heads, Tape& tape);

// The softmax probabilities of the same attention, [B, heads, N, N] f32 on the cpu (a cuda qkv is
// copied there first), without gradient: for inspection such as attention rollout.
Tensor attention_probabilities(const Tensor& qkv, int heads);

}  // namespace vit
