#pragma once
// CUDA class token + position embedding (tokens.cu), fusing cpu/tokens.cpp's concat with the
// broadcast add of cpu/elementwise.cpp: out [B, N+1, D] = concat(cls, tokens[b]) + pos.
// tokens/out/dout/dtokens are T (float or bfloat16); cls, pos and their gradients float32.
// Also the unfused concat, the single-token selection and the token mean (global average
// pooling) that the ops layer runs today.
#include <cstdint>

#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda {

template <typename T>
void class_pos_embed_forward(const T* tokens, const float* cls, const float* pos, T* out, std::int64_t batch,
                             std::int64_t n, std::int64_t dim, cudaStream_t stream);

// dtokens = dout[:, 1:]; dpos [(N+1), D] = sum over b of dout[b]; dcls = dpos[0]. Any output may
// be null except that dcls needs dpos.
template <typename T>
void class_pos_embed_backward(const T* dout, T* dtokens, float* dcls, float* dpos, std::int64_t batch,
                              std::int64_t n, std::int64_t dim, cudaStream_t stream);

// The unfused twins of cpu/tokens.cpp, all T: out [B, N+1, D] = cls [D] then tokens [B, N, D];
// dcls [D] = sum over b of dout[b, 0] and dtokens = dout[:, 1:] (either may be null).
template <typename T>
void concat_class_token_forward(const T* cls, const T* tokens, T* out, std::int64_t batch, std::int64_t n,
                                std::int64_t dim, cudaStream_t stream);
template <typename T>
void concat_class_token_backward(const T* dout, T* dcls, T* dtokens, std::int64_t batch, std::int64_t n,
                                 std::int64_t dim, cudaStream_t stream);

// out [B, D] = x[:, index] of x [B, N, D]; the backward writes all of dx (zero except at index).
template <typename T>
void select_token_forward(const T* x, T* out, std::int64_t batch, std::int64_t n, std::int64_t dim,
                          std::int64_t index, cudaStream_t stream);
template <typename T>
void select_token_backward(const T* dout, T* dx, std::int64_t batch, std::int64_t n, std::int64_t dim,
                           std::int64_t index, cudaStream_t stream);

// out [B, D] = mean of x[:, first:] of x [B, N, D] (first < N), summed in float32; the backward
// writes all of dx: dout / (N - first) at tokens first.. and zero before.
template <typename T>
void mean_tokens_forward(const T* x, T* out, std::int64_t batch, std::int64_t n, std::int64_t dim,
                         std::int64_t first, cudaStream_t stream);
template <typename T>
void mean_tokens_backward(const T* dout, T* dx, std::int64_t batch, std::int64_t n, std::int64_t dim,
                          std::int64_t first, cudaStream_t stream);

}  // namespace vit::cuda
