#pragma once
// The CPU paths of the ops on tensors: the twins of ops/cuda/ops_cuda.h, with the same signatures,
// so that an op dispatches once (ops/dispatch.h). Each takes the op's already checked f32 cpu
// tensors, reads the sizes from them and calls the reference kernels of src/kernels/cpu/ (outputs
// overwritten, an undefined gradient tensor skips that gradient).
#include <cstdint>

#include "kernels/kernel_args.h"
#include "vitcuda/ops/dropout.h"
#include "vitcuda/runtime/tensor.h"

namespace vit::cpu_ops {

// linear.cpp
void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& y, std::int64_t rows,
                    std::int64_t in, std::int64_t out);
void linear_backward(const Tensor& x, const Tensor& w, const Tensor& dy, const Tensor& dx, const Tensor& dw,
                     const Tensor& db, std::int64_t rows, std::int64_t in, std::int64_t out);
// linear_gelu saves pre = x W^T + b [rows, out] for its backward.
void linear_gelu_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& pre, const Tensor& y,
                         std::int64_t rows, std::int64_t in, std::int64_t out);
void linear_gelu_backward(const Tensor& x, const Tensor& w, const Tensor& pre, const Tensor& dy, const Tensor& dx,
                          const Tensor& dw, const Tensor& db, std::int64_t rows, std::int64_t in, std::int64_t out);

// patch_embed.cpp
// images f32, or u8 with scale and shift (f32 [C]: v * scale + shift); undefined scale/shift for f32.
void patch_im2col_forward(const Tensor& images, const Tensor& cols, const PatchGeometry& g, const Tensor& scale,
                          const Tensor& shift);
void patch_im2col_backward(const Tensor& dcols, const Tensor& dimages, const PatchGeometry& g);

// tokens.cpp
void concat_class_token_forward(const Tensor& cls, const Tensor& tokens, const Tensor& out);
void concat_class_token_backward(const Tensor& dout, const Tensor& dcls, const Tensor& dtokens);
void select_token_forward(const Tensor& x, const Tensor& out, std::int64_t index);
void select_token_backward(const Tensor& dout, const Tensor& dx, std::int64_t index);
void mean_tokens_forward(const Tensor& x, const Tensor& out, std::int64_t first);
void mean_tokens_backward(const Tensor& dout, const Tensor& dx, std::int64_t first);

// elementwise.cpp
void add_forward(const Tensor& a, const Tensor& b, const Tensor& out);
void add_backward_broadcast(const Tensor& dout, const Tensor& db);
void gelu_forward(const Tensor& x, const Tensor& y);
void gelu_backward(const Tensor& x, const Tensor& dy, const Tensor& dx);
void tanh_forward(const Tensor& x, const Tensor& y);
void tanh_backward(const Tensor& y, const Tensor& dy, const Tensor& dx);

// dropout.cpp
void dropout_forward(const Tensor& x, const Tensor& y, float p, const Seed& seed);
void dropout_backward(const Tensor& dy, const Tensor& dx, float p, const Seed& seed);
void drop_path_forward(const Tensor& x, const Tensor& y, float p, const Seed& seed);
void write_seed(const Tensor& base, std::uint64_t value);

// layernorm.cpp: layer_norm saves mean, rstd [rows]
void layernorm_forward(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& y, const Tensor& mean,
                       const Tensor& rstd, float eps);
void add_layernorm_forward(const Tensor& a, const Tensor& b, const Tensor& gamma, const Tensor& beta, const Tensor& sum,
                           const Tensor& y, const Tensor& mean, const Tensor& rstd, float eps);
// dx = the LayerNorm's input gradient, plus residual_grad where defined (add_layer_norm's sum's
// gradient from its later uses, added in the same pass on cuda).
void layernorm_backward(const Tensor& x, const Tensor& gamma, const Tensor& mean, const Tensor& rstd, const Tensor& dy,
                        const Tensor& residual_grad, const Tensor& dx, const Tensor& dgamma, const Tensor& dbeta);
// loss.cpp: `correct` (an i32 scalar, or undefined) gets the rows whose first arg-max is the label;
// `sums` is a LossTally's storage (u8 [16]: a double loss sum, an int64 correct count).
void cross_entropy_forward(const Tensor& logits, const Tensor& labels, float smoothing, const Tensor& loss,
                           const Tensor& correct);
void tally_batch(const Tensor& loss, const Tensor& correct, std::int64_t rows, const Tensor& sums);
void count_predictions(const Tensor& logits, const Tensor& labels, const Tensor& counts);  // PredictionCounts
void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& dloss, float smoothing,
                            const Tensor& dlogits);

// reduce.cpp
void mean_forward(const Tensor& x, const Tensor& out);
void mean_backward(const Tensor& dout, const Tensor& dx);

}  // namespace vit::cpu_ops
