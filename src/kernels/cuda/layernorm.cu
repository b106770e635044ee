// CUDA LayerNorm: one warp per row, the row held in registers (kPerLane values per lane, lane l
// holding columns l, l+32, ...: every load and store is a coalesced 32-wide access).
// Forward: x is read once, y written once (plus 8 bytes of mean/rstd per row); the statistics
// come from the registers in one pass over memory (mean, then the centred sum of squares: no
// cancellation). Backward: reads x and dy once and writes dx; each warp walks a grid-stride set
// of rows and keeps its columns' dgamma/dbeta partials in registers; the block's warps combine
// them in shared memory into one row of a [blocks, dim] workspace per gradient, and a column sum
// of the workspace (column_sum.cuh: a fixed order) gives dgamma and dbeta. Up to kMaxBlocks
// blocks, a fixed number (not the device's SM count, so the bits do not depend on the GPU): at
// ViT sizes two to four waves over every SM of an H100, where the workspace (8 MB at ViT-B) is
// small beside x, dy and dx. kPerLane steps follow the ViT widths (384, 768, 1024, 1280), so a
// lane holds few idle columns.
#include "kernels/cuda/layernorm.h"

#include <utility>

#include "kernels/cuda/column_sum.cuh"
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

constexpr int kWarpsPerBlock = 4;
constexpr int kBlock = 32 * kWarpsPerBlock;
constexpr std::int64_t kMaxBlocks = 1024;
constexpr std::int64_t kMaxDim = 2048;

template <typename T, int kPerLane>
__global__ void __launch_bounds__(kBlock)
    layernorm_forward_kernel(const T* __restrict__ x, const float* __restrict__ gamma, const float* __restrict__ beta,
                             T* __restrict__ y, float* __restrict__ mean, float* __restrict__ rstd, std::int64_t rows,
                             int dim, float eps) {
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  if (row >= rows) return;  // a whole warp leaves: no barrier below, only warp shuffles
  const int lane = threadIdx.x % 32;
  const T* in = x + row * dim;
  float v[kPerLane];
  float sum = 0.0f;
#pragma unroll
  for (int k = 0; k < kPerLane; ++k) {
    const int d = lane + 32 * k;
    v[k] = d < dim ? to_float(in[d]) : 0.0f;
    sum += v[k];
  }
  const float mu = warp_sum(sum) / dim;
  float squares = 0.0f;
#pragma unroll
  for (int k = 0; k < kPerLane; ++k) {
    const float centred = lane + 32 * k < dim ? v[k] - mu : 0.0f;
    squares += centred * centred;
  }
  const float inv_std = rsqrtf(warp_sum(squares) / dim + eps);
  if (lane == 0) {
    mean[row] = mu;
    rstd[row] = inv_std;
  }
  T* out = y + row * dim;
#pragma unroll
  for (int k = 0; k < kPerLane; ++k) {
    const int d = lane + 32 * k;
    if (d < dim) out[d] = from_float<T>((v[k] - mu) * inv_std * gamma[d] + beta[d]);
  }
}

// Writes this block's sums of `acc` over its warps into row blockIdx.x of partial [blocks, dim]:
// every warp parks its values in shared memory (lane l's k-th value is column l + 32 k), then the
// block's threads add the kWarpsPerBlock values of one column each, in warp order.
template <int kPerLane>
__device__ __forceinline__ void store_block_partials(const float (&acc)[kPerLane], float* partial, int dim) {
  VIT_SHARED(float, warps, [kWarpsPerBlock][kPerLane * 32]);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
#pragma unroll
  for (int k = 0; k < kPerLane; ++k) warps[warp][lane + 32 * k] = acc[k];
  __syncthreads();
  for (int d = threadIdx.x; d < dim; d += kBlock) {
    float sum = 0.0f;
    for (int w = 0; w < kWarpsPerBlock; ++w) sum += warps[w][d];
    partial[static_cast<std::int64_t>(blockIdx.x) * dim + d] = sum;
  }
  __syncthreads();  // the next call reuses `warps`
}

template <typename T, int kPerLane>
__global__ void __launch_bounds__(kBlock)
    layernorm_backward_kernel(const T* __restrict__ x, const float* __restrict__ gamma, const float* __restrict__ mean,
                              const float* __restrict__ rstd, const T* __restrict__ dy, T* __restrict__ dx,
                              float* __restrict__ partial_dgamma, float* __restrict__ partial_dbeta, std::int64_t rows,
                              int dim) {
  const int lane = threadIdx.x % 32;
  float g_weight[kPerLane], acc_dgamma[kPerLane], acc_dbeta[kPerLane];
#pragma unroll
  for (int k = 0; k < kPerLane; ++k) {
    const int d = lane + 32 * k;
    g_weight[k] = d < dim ? gamma[d] : 0.0f;
    acc_dgamma[k] = acc_dbeta[k] = 0.0f;
  }
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * kWarpsPerBlock;
  for (std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32; row < rows;
       row += stride) {
    const float mu = mean[row], inv_std = rstd[row];
    const T* x_row = x + row * dim;
    const T* dy_row = dy + row * dim;
    float xhat[kPerLane], g[kPerLane];
    float sum_g = 0.0f, sum_g_xhat = 0.0f;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int d = lane + 32 * k;
      const float grad = d < dim ? to_float(dy_row[d]) : 0.0f;
      xhat[k] = d < dim ? (to_float(x_row[d]) - mu) * inv_std : 0.0f;
      g[k] = grad * g_weight[k];
      sum_g += g[k];
      sum_g_xhat += g[k] * xhat[k];
      acc_dgamma[k] += grad * xhat[k];
      acc_dbeta[k] += grad;
    }
    const float mean_g = warp_sum(sum_g) / dim, mean_g_xhat = warp_sum(sum_g_xhat) / dim;
    if (dx != nullptr) {
      T* dx_row = dx + row * dim;
#pragma unroll
      for (int k = 0; k < kPerLane; ++k) {
        const int d = lane + 32 * k;
        if (d < dim) dx_row[d] = from_float<T>(inv_std * (g[k] - mean_g - xhat[k] * mean_g_xhat));
      }
    }
  }
  if (partial_dgamma != nullptr) store_block_partials<kPerLane>(acc_dgamma, partial_dgamma, dim);
  if (partial_dbeta != nullptr) store_block_partials<kPerLane>(acc_dbeta, partial_dbeta, dim);
}

std::int64_t backward_blocks(std::int64_t rows) {
  const std::int64_t blocks = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  return blocks < 1 ? 1 : (blocks < kMaxBlocks ? blocks : kMaxBlocks);
}

// Calls run.template operator()<kPerLane>() with the smallest kPerLane covering dim.
template <typename Run>
void with_per_lane(std::int64_t dim, Run&& run) {
  VIT_CHECK(dim >= 1 && dim <= kMaxDim, "layernorm: dim ", dim, " must be in [1, ", kMaxDim, "].");
  if (dim <= 256) {
    run.template operator()<8>();
  } else if (dim <= 384) {
    run.template operator()<12>();
  } else if (dim <= 512) {
    run.template operator()<16>();
  } else if (dim <= 768) {
    run.template operator()<24>();
  } else if (dim <= 1024) {
    run.template operator()<32>();
  } else if (dim <= 1280) {
    run.template operator()<40>();
  } else {
    run.template operator()<64>();
  }
}

}  // namespace

template <typename T>
void layernorm_forward(const T* x, const float* gamma, const float* beta, T* y, float* mean, float* rstd,
                       std::int64_t rows, std::int64_t dim, float eps, cudaStream_t stream) {
  if (rows == 0) return;
  using D = typename DeviceTypeOf<T>::type;
  const unsigned blocks = static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
  with_per_lane(dim, [&]<int kPerLane>() {
    launch(layernorm_forward_kernel<D, kPerLane>, blocks, kBlock, 0, stream, device_ptr(x), gamma, beta, device_ptr(y),
           mean, rstd, rows, static_cast<int>(dim), eps);
  });
}

std::size_t layernorm_backward_workspace(std::int64_t rows, std::int64_t dim) {
  return static_cast<std::size_t>(2 * backward_blocks(rows) * dim);
}

template <typename T>
void layernorm_backward(const T* x, const float* gamma, const float* mean, const float* rstd, const T* dy, T* dx,
                        float* dgamma, float* dbeta, std::int64_t rows, std::int64_t dim, float* workspace,
                        cudaStream_t stream) {
  using D = typename DeviceTypeOf<T>::type;
  const std::int64_t blocks = backward_blocks(rows);
  float* partial_dgamma = dgamma != nullptr ? workspace : nullptr;
  float* partial_dbeta = dbeta != nullptr ? workspace + blocks * dim : nullptr;
  VIT_CHECK(workspace != nullptr || (dgamma == nullptr && dbeta == nullptr),
            "layernorm_backward: dgamma/dbeta need a workspace of layernorm_backward_workspace() floats.");
  with_per_lane(dim, [&]<int kPerLane>() {
    launch(layernorm_backward_kernel<D, kPerLane>, static_cast<unsigned>(blocks), kBlock, 0, stream, device_ptr(x),
           gamma, mean, rstd, device_ptr(dy), device_ptr(dx), partial_dgamma, partial_dbeta, rows,
           static_cast<int>(dim));
  });
  for (auto [partial, out] : {std::pair{partial_dgamma, dgamma}, std::pair{partial_dbeta, dbeta}}) {
    if (out == nullptr) continue;
    column_sums(static_cast<const float*>(partial), blocks, dim, out, stream);
  }
}

#define VIT_INSTANTIATE(T)                                                                                      \
  template void layernorm_forward<T>(const T*, const float*, const float*, T*, float*, float*, std::int64_t,    \
                                     std::int64_t, float, cudaStream_t);                                        \
  template void layernorm_backward<T>(const T*, const float*, const float*, const float*, const T*, T*, float*, \
                                      float*, std::int64_t, std::int64_t, float*, cudaStream_t);
VIT_INSTANTIATE(float)
VIT_INSTANTIATE(bfloat16)
#undef VIT_INSTANTIATE

}  // namespace vit::cuda
