#pragma once
// The unfused attention baseline of the attention benchmark (GPU builds only): per batch element,
// S = Q K^T / sqrt(hd) for every head with one strided-batched cuBLAS call (float32 out), a row
// softmax kernel to bf16 P, and O = P V with a second cuBLAS call. S and P ([H, N, N]) go through
// memory, which the fused kernel avoids.
#include "kernels/kernel_args.h"
#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

void unfused_attention_forward(const bfloat16* qkv, bfloat16* out, float* scores, bfloat16* probs,
                               const AttentionShape& s, cudaStream_t stream);

}  // namespace vit::cuda
