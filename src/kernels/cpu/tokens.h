#pragma once
// CPU reference token bookkeeping: class-token concat, single-token selection and the token
// mean (global average pooling) on [B, N, D].
#include <cstdint>

namespace vit::cpu {

// out [B, N+1, D] = cls [D] then tokens [B, N, D].
void concat_class_token_forward(const float* cls, const float* tokens, float* out, std::int64_t batch,
                                std::int64_t n, std::int64_t dim);
// dcls [D] = sum over b of dout[b, 0]; dtokens = dout[:, 1:]. Either output may be null.
void concat_class_token_backward(const float* dout, float* dcls, float* dtokens, std::int64_t batch,
                                 std::int64_t n, std::int64_t dim);

// out [B, D] = x[:, index]; backward writes dx [B, N, D] (zero except at index).
void select_token_forward(const float* x, float* out, std::int64_t batch, std::int64_t n,
                          std::int64_t dim, std::int64_t index);
void select_token_backward(const float* dout, float* dx, std::int64_t batch, std::int64_t n,
                           std::int64_t dim, std::int64_t index);

// out [B, D] = mean of x[:, first:] (first < N); backward writes dx [B, N, D] = dout / (N - first)
// at tokens first.. and zero before.
void mean_tokens_forward(const float* x, float* out, std::int64_t batch, std::int64_t n, std::int64_t dim,
                         std::int64_t first);
void mean_tokens_backward(const float* dout, float* dx, std::int64_t batch, std::int64_t n, std::int64_t dim,
                          std::int64_t first);

}  // namespace vit::cpu
