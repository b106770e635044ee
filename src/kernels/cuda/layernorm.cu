// CUDA LayerNorm: one warp per row, the row held in registers. Where dim is a multiple of 16 bytes'
// worth of values and the rows are 16-byte aligned, each lane loads and stores 16-byte chunks
// (lane l holds chunks l, l+32, ...); otherwise single values (columns l, l+32, ...). Either way a
// warp's access is contiguous.
// Forward: x is read once, y written once (plus 8 bytes of mean/rstd per row); the statistics
// come from the registers in one pass over memory (mean, then the centred sum of squares: no
// cancellation). Fused with the residual add before it, it also reads the residual and writes the
// sum, so the sum is not read back; its backward then adds the sum's other gradient into dx in
// the same pass. Backward: reads x and dy once and writes dx; each warp walks a grid-stride set
// of rows and keeps its columns' dgamma/dbeta partials in registers; the block's warps combine
// them in shared memory into one row of a [blocks, dim] workspace per gradient, and a column sum
// of the workspace (column_sum.cuh: a fixed order) gives dgamma and dbeta. Up to kMaxBlocks
// blocks, a fixed number (not the device's SM count, so the bits do not depend on the GPU): at
// ViT sizes two to four waves over every SM of an H100, where the workspace (8 MB at ViT-B) is
// small beside x, dy and dx. kPerLane steps follow the ViT widths (384, 768, 1024, 1280), so a
// lane holds few idle columns.
#include "kernels/cuda/layernorm.h"

#include <initializer_list>
#include <utility>

#include "kernels/cuda/column_sum.cuh"
#include "runtime/cuda/element_map.cuh"
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

constexpr int kWarpsPerBlock = 4;
constexpr int kBlock = 32 * kWarpsPerBlock;
constexpr std::int64_t kMaxBlocks = 1024;
constexpr std::int64_t kMaxDim = 2048;

// A lane's values of one row: kChunks chunks of kVec consecutive columns, chunk c at column
// (lane + 32 c) kVec (kVec 1: columns lane, lane + 32, ...; kVec 16 / sizeof(T): one 16-byte load
// per chunk). Value k sits at column_of<kVec>(lane, k); columns past dim hold 0.
template <int kVec>
__device__ __forceinline__ int column_of(int lane, int k) {
  return (lane + 32 * (k / kVec)) * kVec + k % kVec;
}

template <int kVec, typename T, int kValues>
__device__ __forceinline__ void load_row(const T* row, int dim, int lane, float (&v)[kValues]) {
#pragma unroll
  for (int c = 0; c < kValues / kVec; ++c) {
    const int col = (lane + 32 * c) * kVec;  // dim is a multiple of kVec: a chunk is all in or all out
    const Pack<T, kVec> chunk = col < dim ? *reinterpret_cast<const Pack<T, kVec>*>(row + col) : Pack<T, kVec>{};
#pragma unroll
    for (int e = 0; e < kVec; ++e) v[c * kVec + e] = col < dim ? to_float(chunk.v[e]) : 0.0f;
  }
}

template <int kVec, typename T, int kValues>
__device__ __forceinline__ void store_row(T* row, int dim, int lane, const float (&v)[kValues]) {
#pragma unroll
  for (int c = 0; c < kValues / kVec; ++c) {
    const int col = (lane + 32 * c) * kVec;
    if (col >= dim) continue;
    Pack<T, kVec> chunk;
#pragma unroll
    for (int e = 0; e < kVec; ++e) chunk.v[e] = from_float<T>(v[c * kVec + e]);
    *reinterpret_cast<Pack<T, kVec>*>(row + col) = chunk;
  }
}

template <typename T, int kChunks, int kVec>
__global__ void __launch_bounds__(kBlock)
    layernorm_forward_kernel(const T* __restrict__ x, const T* __restrict__ residual, T* __restrict__ sum_out,
                             const float* __restrict__ gamma, const float* __restrict__ beta, T* __restrict__ y,
                             float* __restrict__ mean, float* __restrict__ rstd, std::int64_t rows, int dim,
                             float eps) {
  constexpr int kValues = kChunks * kVec;
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  if (row >= rows) return;  // a whole warp leaves: no barrier below, only warp shuffles
  const int lane = threadIdx.x % 32;
  float v[kValues];
  load_row<kVec>(x + row * dim, dim, lane, v);
  if (residual != nullptr) {  // the fused add: normalise the sum as stored, as the unfused add leaves it
    float r[kValues];
    load_row<kVec>(residual + row * dim, dim, lane, r);
#pragma unroll
    for (int k = 0; k < kValues; ++k) v[k] = to_float(from_float<T>(v[k] + r[k]));
    store_row<kVec>(sum_out + row * dim, dim, lane, v);
  }
  float sum = 0.0f;
#pragma unroll
  for (int k = 0; k < kValues; ++k) sum += v[k];
  const float mu = warp_sum(sum) / dim;
  float squares = 0.0f;
#pragma unroll
  for (int k = 0; k < kValues; ++k) {
    const float centred = column_of<kVec>(lane, k) < dim ? v[k] - mu : 0.0f;
    squares += centred * centred;
  }
  const float inv_std = rsqrtf(warp_sum(squares) / dim + eps);
  if (lane == 0) {
    mean[row] = mu;
    rstd[row] = inv_std;
  }
#pragma unroll
  for (int k = 0; k < kValues; ++k) {
    const int d = column_of<kVec>(lane, k);
    v[k] = d < dim ? (v[k] - mu) * inv_std * gamma[d] + beta[d] : 0.0f;
  }
  store_row<kVec>(y + row * dim, dim, lane, v);
}

// Writes this block's sums of `acc` over its warps into row blockIdx.x of partial [blocks, dim]:
// every warp parks its values in shared memory by column, then the block's threads add the
// kWarpsPerBlock values of one column each, in warp order.
template <int kVec, int kValues>
__device__ __forceinline__ void store_block_partials(const float (&acc)[kValues], float* partial, int dim) {
  VIT_SHARED(float, warps, [kWarpsPerBlock][kValues * 32]);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
#pragma unroll
  for (int k = 0; k < kValues; ++k) warps[warp][column_of<kVec>(lane, k)] = acc[k];
  __syncthreads();
  for (int d = threadIdx.x; d < dim; d += kBlock) {
    float sum = 0.0f;
    for (int w = 0; w < kWarpsPerBlock; ++w) sum += warps[w][d];
    partial[static_cast<std::int64_t>(blockIdx.x) * dim + d] = sum;
  }
  __syncthreads();  // the next call reuses `warps`
}

template <typename T, int kChunks, int kVec>
__global__ void __launch_bounds__(kBlock)
    layernorm_backward_kernel(const T* __restrict__ x, const float* __restrict__ gamma, const float* __restrict__ mean,
                              const float* __restrict__ rstd, const T* __restrict__ dy,
                              const T* __restrict__ residual_grad, T* __restrict__ dx,
                              float* __restrict__ partial_dgamma, float* __restrict__ partial_dbeta, std::int64_t rows,
                              int dim) {
  constexpr int kValues = kChunks * kVec;
  const int lane = threadIdx.x % 32;
  float g_weight[kValues], acc_dgamma[kValues], acc_dbeta[kValues];
#pragma unroll
  for (int k = 0; k < kValues; ++k) {
    const int d = column_of<kVec>(lane, k);
    g_weight[k] = d < dim ? gamma[d] : 0.0f;
    acc_dgamma[k] = acc_dbeta[k] = 0.0f;
  }
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * kWarpsPerBlock;
  for (std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32; row < rows;
       row += stride) {
    const float mu = mean[row], inv_std = rstd[row];
    float xhat[kValues], g[kValues];
    load_row<kVec>(x + row * dim, dim, lane, xhat);
    load_row<kVec>(dy + row * dim, dim, lane, g);  // dy for now
    float sum_g = 0.0f, sum_g_xhat = 0.0f;
#pragma unroll
    for (int k = 0; k < kValues; ++k) {
      const float grad = g[k];
      xhat[k] = column_of<kVec>(lane, k) < dim ? (xhat[k] - mu) * inv_std : 0.0f;
      g[k] = grad * g_weight[k];
      sum_g += g[k];
      sum_g_xhat += g[k] * xhat[k];
      acc_dgamma[k] += grad * xhat[k];
      acc_dbeta[k] += grad;
    }
    const float mean_g = warp_sum(sum_g) / dim, mean_g_xhat = warp_sum(sum_g_xhat) / dim;
    if (dx != nullptr) {
#pragma unroll
      for (int k = 0; k < kValues; ++k) g[k] = inv_std * (g[k] - mean_g - xhat[k] * mean_g_xhat);
      if (residual_grad != nullptr) {  // the fused residual add's gradient joins in this pass
        float r[kValues];
        load_row<kVec>(residual_grad + row * dim, dim, lane, r);
#pragma unroll
        for (int k = 0; k < kValues; ++k) g[k] += r[k];
      }
      store_row<kVec>(dx + row * dim, dim, lane, g);
    }
  }
  if (partial_dgamma != nullptr) store_block_partials<kVec>(acc_dgamma, partial_dgamma, dim);
  if (partial_dbeta != nullptr) store_block_partials<kVec>(acc_dbeta, partial_dbeta, dim);
}

std::int64_t backward_blocks(std::int64_t rows) {
  const std::int64_t blocks = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  return blocks < 1 ? 1 : (blocks < kMaxBlocks ? blocks : kMaxBlocks);
}

// Calls run.template operator()<kChunks, kVec>() for the smallest per-lane size covering dim:
// 16-byte chunks (kVec = 16 / sizeof(T)) where dim is a multiple of kVec and every row pointer is
// 16-byte aligned (`rows`: the kernel's row arrays, null for unused ones), single values otherwise.
template <typename T, typename Run>
void with_layout(std::int64_t dim, std::initializer_list<const void*> rows, Run&& run) {
  VIT_CHECK(dim >= 1 && dim <= kMaxDim, "layernorm: dim ", dim, " must be in [1, ", kMaxDim, "].");
  constexpr int kVec = static_cast<int>(16 / sizeof(T));
  const bool vector = dim % kVec == 0 && aligned_16(rows);
  const auto per_lane = [&]<int kPerLane>() {
    if (vector) {
      run.template operator()<(kPerLane + kVec - 1) / kVec, kVec>();
    } else {
      run.template operator()<kPerLane, 1>();
    }
  };
  if (dim <= 256) {
    per_lane.template operator()<8>();
  } else if (dim <= 384) {
    per_lane.template operator()<12>();
  } else if (dim <= 512) {
    per_lane.template operator()<16>();
  } else if (dim <= 768) {
    per_lane.template operator()<24>();
  } else if (dim <= 1024) {
    per_lane.template operator()<32>();
  } else if (dim <= 1280) {
    per_lane.template operator()<40>();
  } else {
    per_lane.template operator()<64>();
  }
}

}  // namespace

template <typename T>
void add_layernorm_forward(const T* x, const T* residual, T* sum, const float* gamma, const float* beta, T* y,
                           float* mean, float* rstd, std::int64_t rows, std::int64_t dim, float eps,
                           cudaStream_t stream) {
  if (rows == 0) return;
  using D = typename DeviceTypeOf<T>::type;
  const unsigned blocks = static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
  with_layout<T>(dim, {x, residual, sum, y}, [&]<int kChunks, int kVec>() {
    launch(layernorm_forward_kernel<D, kChunks, kVec>, blocks, kBlock, 0, stream, device_ptr(x), device_ptr(residual),
           device_ptr(sum), gamma, beta, device_ptr(y), mean, rstd, rows, static_cast<int>(dim), eps);
  });
}

template <typename T>
void layernorm_forward(const T* x, const float* gamma, const float* beta, T* y, float* mean, float* rstd,
                       std::int64_t rows, std::int64_t dim, float eps, cudaStream_t stream) {
  add_layernorm_forward(x, static_cast<const T*>(nullptr), static_cast<T*>(nullptr), gamma, beta, y, mean, rstd, rows,
                        dim, eps, stream);
}

std::size_t layernorm_backward_workspace(std::int64_t rows, std::int64_t dim) {
  return static_cast<std::size_t>(2 * backward_blocks(rows) * dim);
}

template <typename T>
void add_layernorm_backward(const T* x, const float* gamma, const float* mean, const float* rstd, const T* dy,
                            const T* residual_grad, T* dx, float* dgamma, float* dbeta, std::int64_t rows,
                            std::int64_t dim, float* workspace, cudaStream_t stream) {
  using D = typename DeviceTypeOf<T>::type;
  const std::int64_t blocks = backward_blocks(rows);
  float* partial_dgamma = dgamma != nullptr ? workspace : nullptr;
  float* partial_dbeta = dbeta != nullptr ? workspace + blocks * dim : nullptr;
  VIT_CHECK(workspace != nullptr || (dgamma == nullptr && dbeta == nullptr),
            "layernorm_backward: dgamma/dbeta need a workspace of layernorm_backward_workspace() floats.");
  with_layout<T>(dim, {x, dy, residual_grad, dx}, [&]<int kChunks, int kVec>() {
    launch(layernorm_backward_kernel<D, kChunks, kVec>, static_cast<unsigned>(blocks), kBlock, 0, stream, device_ptr(x),
           gamma, mean, rstd, device_ptr(dy), device_ptr(residual_grad), device_ptr(dx), partial_dgamma, partial_dbeta,
           rows, static_cast<int>(dim));
  });
  for (auto [partial, out] : {std::pair{partial_dgamma, dgamma}, std::pair{partial_dbeta, dbeta}}) {
    if (out == nullptr) continue;
    column_sums(static_cast<const float*>(partial), blocks, dim, out, stream);
  }
}

template <typename T>
void layernorm_backward(const T* x, const float* gamma, const float* mean, const float* rstd, const T* dy, T* dx,
                        float* dgamma, float* dbeta, std::int64_t rows, std::int64_t dim, float* workspace,
                        cudaStream_t stream) {
  add_layernorm_backward(x, gamma, mean, rstd, dy, static_cast<const T*>(nullptr), dx, dgamma, dbeta, rows, dim,
                         workspace, stream);
}

#define VIT_INSTANTIATE(T)                                                                                            \
  template void layernorm_forward<T>(const T*, const float*, const float*, T*, float*, float*, std::int64_t,          \
                                     std::int64_t, float, cudaStream_t);                                              \
  template void add_layernorm_forward<T>(const T*, const T*, T*, const float*, const float*, T*, float*, float*,      \
                                         std::int64_t, std::int64_t, float, cudaStream_t);                            \
  template void add_layernorm_backward<T>(const T*, const float*, const float*, const float*, const T*, const T*, T*, \
                                          float*, float*, std::int64_t, std::int64_t, float*, cudaStream_t);          \
  template void layernorm_backward<T>(const T*, const float*, const float*, const float*, const T*, T*, float*,       \
                                      float*, std::int64_t, std::int64_t, float*, cudaStream_t);
VIT_INSTANTIATE(float)
VIT_INSTANTIATE(bfloat16)
#undef VIT_INSTANTIATE

}  // namespace vit::cuda
