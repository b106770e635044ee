#pragma once
// The CUDA paths of the ops (src/ops/cuda/*.cpp, built with VIT_CUDA=ON or SIM): each takes the
// op's already checked tensors on cuda, activations f32 or bf16 (one dtype per call; parameters,
// parameter gradients and saved statistics f32), and launches the kernels of src/kernels/cuda/ on
// the compute stream. Same contracts as the CPU kernels the ops call on cpu tensors (outputs
// overwritten, an undefined gradient tensor skips that gradient); where the CUDA kernel saves
// something else for its backward (attention's log-sum-exp) the signature says so.
#include <cstdint>

#include "kernels/kernel_args.h"
#include "runtime/cuda_backend.h"
#include "vitcuda/ops/dropout.h"
#include "vitcuda/runtime/tensor.h"

namespace vit::cuda_ops {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

// linear.cpp
VIT_CUDA_FN(void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& y,
                                std::int64_t rows, std::int64_t in, std::int64_t out))
VIT_CUDA_FN(void linear_backward(const Tensor& x, const Tensor& w, const Tensor& dy, const Tensor& dx,
                                 const Tensor& dw, const Tensor& db, std::int64_t rows, std::int64_t in,
                                 std::int64_t out))
VIT_CUDA_FN(void linear_gelu_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& pre,
                                     const Tensor& y, std::int64_t rows, std::int64_t in, std::int64_t out))
VIT_CUDA_FN(void linear_gelu_backward(const Tensor& x, const Tensor& w, const Tensor& pre, const Tensor& dy,
                                      const Tensor& dx, const Tensor& dw, const Tensor& db, std::int64_t rows,
                                      std::int64_t in, std::int64_t out))

// patch_embed.cpp
VIT_CUDA_FN(void patch_im2col_forward(const Tensor& images, const Tensor& cols, const PatchGeometry& g,
                                      const Tensor& scale, const Tensor& shift))
VIT_CUDA_FN(void patch_im2col_backward(const Tensor& dcols, const Tensor& dimages, const PatchGeometry& g))

// tokens.cpp
VIT_CUDA_FN(void concat_class_token_forward(const Tensor& cls, const Tensor& tokens, const Tensor& out))
VIT_CUDA_FN(void concat_class_token_backward(const Tensor& dout, const Tensor& dcls, const Tensor& dtokens))
VIT_CUDA_FN(void select_token_forward(const Tensor& x, const Tensor& out, std::int64_t index))
VIT_CUDA_FN(void select_token_backward(const Tensor& dout, const Tensor& dx, std::int64_t index))
VIT_CUDA_FN(void mean_tokens_forward(const Tensor& x, const Tensor& out, std::int64_t first))
VIT_CUDA_FN(void mean_tokens_backward(const Tensor& dout, const Tensor& dx, std::int64_t first))

// elementwise.cpp
VIT_CUDA_FN(void add_forward(const Tensor& a, const Tensor& b, const Tensor& out))
VIT_CUDA_FN(void add_backward_broadcast(const Tensor& dout, const Tensor& db))
VIT_CUDA_FN(void gelu_forward(const Tensor& x, const Tensor& y))
VIT_CUDA_FN(void gelu_backward(const Tensor& x, const Tensor& dy, const Tensor& dx))
VIT_CUDA_FN(void tanh_forward(const Tensor& x, const Tensor& y))
VIT_CUDA_FN(void tanh_backward(const Tensor& y, const Tensor& dy, const Tensor& dx))

// dropout.cpp
VIT_CUDA_FN(void dropout_forward(const Tensor& x, const Tensor& y, float p, const Seed& seed))
VIT_CUDA_FN(void dropout_backward(const Tensor& dy, const Tensor& dx, float p, const Seed& seed))
VIT_CUDA_FN(void drop_path_forward(const Tensor& x, const Tensor& y, float p, const Seed& seed))
VIT_CUDA_FN(void write_seed(const Tensor& base, std::uint64_t value))  // by a kernel: no wait

// layernorm.cpp: layer_norm saves mean, rstd [rows]
VIT_CUDA_FN(void layernorm_forward(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& y,
                                   const Tensor& mean, const Tensor& rstd, float eps))
VIT_CUDA_FN(void add_layernorm_forward(const Tensor& a, const Tensor& b, const Tensor& gamma, const Tensor& beta,
                                       const Tensor& sum, const Tensor& y, const Tensor& mean, const Tensor& rstd,
                                       float eps))
VIT_CUDA_FN(void layernorm_backward(const Tensor& x, const Tensor& gamma, const Tensor& mean, const Tensor& rstd,
                                    const Tensor& dy, const Tensor& residual_grad, const Tensor& dx,
                                    const Tensor& dgamma, const Tensor& dbeta))
// attention.cpp: attention saves lse [B, H, N] (its backward needs qkv, out and lse)
VIT_CUDA_FN(void attention_forward(const Tensor& qkv, const Tensor& out, const Tensor& lse,
                                   const AttentionShape& s))
VIT_CUDA_FN(void attention_backward(const Tensor& qkv, const Tensor& out, const Tensor& lse, const Tensor& dout,
                                    const Tensor& dqkv, const AttentionShape& s))

// loss.cpp: the loss stays on the device; a label outside the classes is a device fault
VIT_CUDA_FN(void cross_entropy_forward(const Tensor& logits, const Tensor& labels, float smoothing, const Tensor& loss,
                                       const Tensor& correct))
VIT_CUDA_FN(void tally_batch(const Tensor& loss, const Tensor& correct, std::int64_t rows, const Tensor& sums))
VIT_CUDA_FN(void count_predictions(const Tensor& logits, const Tensor& labels, const Tensor& counts))
VIT_CUDA_FN(void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& dloss,
                                        float smoothing, const Tensor& dlogits))

// reduce.cpp
VIT_CUDA_FN(void mean_forward(const Tensor& x, const Tensor& out))
VIT_CUDA_FN(void mean_backward(const Tensor& dout, const Tensor& dx))

#pragma GCC diagnostic pop

}  // namespace vit::cuda_ops
