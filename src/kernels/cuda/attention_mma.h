#pragma once
// The tensor-core attention for bf16 (attention_mma.cu, attention_mma_backward.cu): the same
// inputs, outputs and log-sum-exp as attention_forward and attention_backward, for head dims 32,
// 64 and 128 on 16-byte aligned tensors.
#include <initializer_list>

#include "kernels/kernel_args.h"
#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

bool attention_mma_supports(const AttentionShape& s, std::initializer_list<const void*> tensors);
void attention_forward_mma(const bfloat16* qkv, bfloat16* out, float* lse, const AttentionShape& s,
                           cudaStream_t stream);
// dqkv overwritten; delta = rowsum(dO * O) [B, H, N].
void attention_backward_mma(const bfloat16* qkv, const float* lse, const bfloat16* dout, const float* delta,
                            bfloat16* dqkv, const AttentionShape& s, cudaStream_t stream);

}  // namespace vit::cuda
