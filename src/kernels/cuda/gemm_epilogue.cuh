#pragma once
// What the two tiled products (gemm_tiled.cu, gemm_mma.cu) share: their arguments and the
// epilogue that turns one accumulated value into C (gemm.h): alpha, the bias, beta C, and the
// GELU with its pre-activation.
#include <cstdint>

#include "kernels/cuda/gelu.cuh"
#include "kernels/cuda/gemm.h"
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

struct GemmArgs {
  bool trans_a, trans_b;
  std::int64_t m, n, k, lda, ldb, ldc;
  float alpha, beta;
};

// C[i, j] from its accumulated product `acc`, for (i, j) inside C.
template <typename TOut>
__device__ __forceinline__ void store_output(const GemmArgs& g, const GemmEpilogue& epilogue, float acc, std::int64_t i,
                                             std::int64_t j, TOut* c, TOut* pre_gelu) {
  float v = g.alpha * acc;
  if (epilogue.bias != nullptr) v += epilogue.bias[j];
  if (g.beta != 0.0f) v += g.beta * to_float(c[i * g.ldc + j]);
  if (pre_gelu != nullptr) {  // GELU of the stored value, as the unfused kernels compute it
    pre_gelu[i * g.ldc + j] = from_float<TOut>(v);
    v = gelu(to_float(pre_gelu[i * g.ldc + j]));
  }
  c[i * g.ldc + j] = from_float<TOut>(v);
}

}  // namespace vit::cuda
