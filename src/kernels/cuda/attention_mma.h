#pragma once
// The tensor-core attention forward for bf16 (attention_mma.cu): same inputs, outputs and
// log-sum-exp as attention_forward, for head dims 32, 64 and 128 on 16-byte aligned qkv.
#include "kernels/kernel_args.h"
#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

bool attention_mma_supports(const bfloat16* qkv, const AttentionShape& s);
void attention_forward_mma(const bfloat16* qkv, bfloat16* out, float* lse, const AttentionShape& s,
                           cudaStream_t stream);

}  // namespace vit::cuda
