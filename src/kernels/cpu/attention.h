#pragma once
// CPU reference multi-head softmax attention over packed qkv [B, N, 3D] (timm layout).
#include <cstdint>

#include "kernels/kernel_args.h"

namespace vit::cpu {

// out [B, N, D]; probs [B, H, N, N] receives the softmax probabilities for the backward.
void attention_forward(const float* qkv, float* out, float* probs, const AttentionShape& s);

// dqkv [B, N, 3D] overwritten.
void attention_backward(const float* qkv, const float* probs, const float* dout, float* dqkv,
                        const AttentionShape& s);

}  // namespace vit::cpu
