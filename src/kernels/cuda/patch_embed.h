#pragma once
// CUDA im2col for non-overlapping P x P patches of NCHW images (patch_embed.cu), the twin of
// cpu/patch_embed.cpp: images [B, C, H, W] -> cols [B * patches, C*P*P] (column c*P*P + i*P + j),
// which a matrix product with the conv weight [D, C*P*P] turns into patch embeddings.
#include <cstdint>

#include "kernels/kernel_args.h"
#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

// In: float or uint8 pixels; Out: float or bfloat16. Each value becomes v * scale[c] + shift[c]
// when scale/shift (device arrays of C floats) are given, e.g. uint8 normalisation
// ((v/255 - mean) / std); null: unchanged.
template <typename In, typename Out>
void patch_im2col_forward(const In* images, Out* cols, const PatchGeometry& g, const float* scale,
                          const float* shift, cudaStream_t stream);

// The inverse scatter (patches do not overlap): dcols -> dimages (float32), every pixel written.
template <typename T>
void patch_im2col_backward(const T* dcols, float* dimages, const PatchGeometry& g, cudaStream_t stream);

}  // namespace vit::cuda
