#pragma once
// CUDA fused multi-head attention over packed qkv [B, N, 3D] in timm's layout (attention.cu), the
// twin of cpu/attention.cpp: out = softmax(Q K^T / sqrt(hd)) V per head, flash-style: the N x N
// probabilities are never stored; the forward saves the log-sum-exp of each score row [B, H, N]
// and the backward recomputes the probabilities from it. T is float or bfloat16 (float32
// arithmetic); head dim <= 128.
#include <cstddef>
#include <cstdint>

#include "kernels/kernel_args.h"
#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

// out [B, N, D]; lse [B, H, N] (float32) for the backward.
template <typename T>
void attention_forward(const T* qkv, T* out, float* lse, const AttentionShape& s, cudaStream_t stream);

// Floats of scratch memory attention_backward needs (rowsum(dO * O) per score row).
std::size_t attention_backward_workspace(const AttentionShape& s);

// dqkv [B, N, 3D] overwritten, from the forward's inputs, output and lse and the output gradient.
template <typename T>
void attention_backward(const T* qkv, const T* out, const float* lse, const T* dout, T* dqkv, float* workspace,
                        const AttentionShape& s, cudaStream_t stream);

}  // namespace vit::cuda
