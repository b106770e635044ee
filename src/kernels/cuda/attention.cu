// CUDA flash-style attention on CUDA cores: the f32 path, and bf16 where the tensor-core kernels
// (attention_mma.cu, attention_mma_backward.cu: head dims 32, 64, 128) do not apply; the delta
// kernel below serves both backwards. Per (batch, head):
// Forward, one block per 16 query rows (4 warps x 4 rows): Q (pre-scaled) stays in shared memory,
// K and V stream through it in tiles of 32 keys. For each row a warp computes the 32 scores with
// lane = key, keeps the running max m and sum l (online softmax: the accumulated output is
// rescaled by exp(m_old - m_new) when the max grows), and accumulates P V with lane = head dim.
// Traffic: Q, K, V read once per query block (K, V: N/16 times per head, from L2), out written
// once, plus 4 bytes of log-sum-exp per row. Nothing N x N touches memory.
// Backward (FlashAttention-2's split, recomputing P = exp(S - lse)):
//   delta = rowsum(dO * O) (one warp per row);
//   dK, dV: one block per 32 keys (lane = key), its 4 warps walking the query rows, each warp
//           accumulating in its own shared-memory slice, summed at the end (no atomics);
//   dQ:     one block per 16 query rows like the forward, dS = P (dP - delta), dQ += dS K.
#include "kernels/cuda/attention.h"

#include <cmath>
#include <type_traits>

#include "kernels/cuda/attention_mma.h"
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

constexpr int kWarps = 4, kRowsPerWarp = 4, kQueryRows = kWarps * kRowsPerWarp, kKeys = 32;
constexpr int kThreads = 32 * kWarps, kMaxHeadDim = 128, kDimsPerLane = kMaxHeadDim / 32;

struct Dims {
  std::int64_t tokens, dim, heads, head_dim;
  float scale;  // 1 / sqrt(head_dim)
};

// Row-strided pointers of one (batch, head): element (token i, d) of Q is q[i * stride + d].
template <typename T>
struct Head {
  const T* q;
  const T* k;
  const T* v;
  std::int64_t stride;
};
template <typename T>
__device__ __forceinline__ Head<T> head_of(const T* qkv, const Dims& s, std::int64_t b, std::int64_t h) {
  const std::int64_t stride = 3 * s.dim;
  const T* base = qkv + b * s.tokens * stride + h * s.head_dim;
  return {base, base + s.dim, base + 2 * s.dim, stride};
}

// Rows [first, first + rows) of a strided matrix into a dense [rows][ld] float tile, zero-filled
// past `limit` rows; all threads of the block take part.
template <typename T>
__device__ __forceinline__ void load_tile(const T* source, std::int64_t stride, std::int64_t first, int rows,
                                          std::int64_t limit, int head_dim, int ld, float factor, float* tile) {
  for (int l = threadIdx.x; l < rows * head_dim; l += blockDim.x) {
    const int r = l / head_dim, d = l - r * head_dim;
    const std::int64_t row = first + r;
    tile[r * ld + d] = row < limit ? to_float(source[row * stride + d]) * factor : 0.0f;
  }
}

__device__ __forceinline__ float dot(const float* a, const float* b, int n) {
  float sum = 0.0f;
  for (int d = 0; d < n; ++d) sum += a[d] * b[d];
  return sum;
}

// acc[c] (dims lane + 32c) += sum over the tile's keys of weight[j] * tile[j][d].
__device__ __forceinline__ void add_weighted_rows(const float* weight, const float* tile, int ld, int head_dim,
                                                  float (&acc)[kDimsPerLane], float rescale) {
  const int lane = threadIdx.x % 32;
#pragma unroll
  for (int c = 0; c < kDimsPerLane; ++c) {
    const int d = lane + 32 * c;
    if (d < head_dim) {
      float sum = 0.0f;
      for (int j = 0; j < kKeys; ++j) sum += weight[j] * tile[j * ld + d];
      acc[c] = acc[c] * rescale + sum;
    }
  }
}

std::size_t query_block_smem(int head_dim) {  // q and (dO) rows, K and V tiles, per-warp weights
  return sizeof(float) * (2 * kQueryRows * head_dim + 2 * kKeys * (head_dim + 1) + kWarps * kKeys);
}

template <typename T>
__global__ void __launch_bounds__(kThreads)
    attention_forward_kernel(const T* __restrict__ qkv, T* __restrict__ out, float* __restrict__ lse, Dims s) {
  const int hd = static_cast<int>(s.head_dim), ld = hd + 1, lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const std::int64_t b = blockIdx.y / s.heads, h = blockIdx.y % s.heads, q0 = static_cast<std::int64_t>(blockIdx.x) * kQueryRows;
  float* q_tile = dynamic_smem<float>();            // [kQueryRows][hd]
  float* k_tile = q_tile + 2 * kQueryRows * hd;     // [kKeys][ld]
  float* v_tile = k_tile + kKeys * ld;              // [kKeys][ld]
  float* weights = v_tile + kKeys * ld + warp * kKeys;  // this warp's [kKeys]
  const Head<T> head = head_of(qkv, s, b, h);
  load_tile(head.q, head.stride, q0, kQueryRows, s.tokens, hd, hd, s.scale, q_tile);
  float row_max[kRowsPerWarp], row_sum[kRowsPerWarp], acc[kRowsPerWarp][kDimsPerLane] = {};
  for (int rr = 0; rr < kRowsPerWarp; ++rr) {
    row_max[rr] = -INFINITY;
    row_sum[rr] = 0.0f;
  }
  for (std::int64_t k0 = 0; k0 < s.tokens; k0 += kKeys) {
    __syncthreads();  // the previous tiles are consumed (and q_tile is loaded)
    load_tile(head.k, head.stride, k0, kKeys, s.tokens, hd, ld, 1.0f, k_tile);
    load_tile(head.v, head.stride, k0, kKeys, s.tokens, hd, ld, 1.0f, v_tile);
    __syncthreads();
    const bool valid = k0 + lane < s.tokens;
    for (int rr = 0; rr < kRowsPerWarp; ++rr) {
      const int r = warp * kRowsPerWarp + rr;
      const float score = valid ? dot(q_tile + r * hd, k_tile + lane * ld, hd) : -INFINITY;
      const float new_max = fmaxf(row_max[rr], warp_max(score));  // finite: the tile has a valid key
      const float p = valid ? expf(score - new_max) : 0.0f, rescale = expf(row_max[rr] - new_max);
      row_sum[rr] = row_sum[rr] * rescale + warp_sum(p);
      row_max[rr] = new_max;
      weights[lane] = p;
      __syncwarp();
      add_weighted_rows(weights, v_tile, ld, hd, acc[rr], rescale);
      __syncwarp();  // weights are rewritten by the next row
    }
  }
  for (int rr = 0; rr < kRowsPerWarp; ++rr) {
    const std::int64_t i = q0 + warp * kRowsPerWarp + rr;
    if (i >= s.tokens) continue;
    T* o = out + (b * s.tokens + i) * s.dim + h * hd;
#pragma unroll
    for (int c = 0; c < kDimsPerLane; ++c) {
      if (lane + 32 * c < hd) o[lane + 32 * c] = from_float<T>(acc[rr][c] / row_sum[rr]);
    }
    if (lane == 0) lse[(b * s.heads + h) * s.tokens + i] = row_max[rr] + logf(row_sum[rr]);
  }
}

// delta[b, h, i] = sum_d dO[b, i, h, d] * O[b, i, h, d]; one warp per (b, i, h).
template <typename T>
__global__ void attention_delta_kernel(const T* __restrict__ out, const T* __restrict__ dout,
                                       float* __restrict__ delta, Dims s, std::int64_t rows) {
  const int lane = threadIdx.x % 32;
  for (std::int64_t row = (static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32; row < rows;
       row += static_cast<std::int64_t>(gridDim.x) * blockDim.x / 32) {
    const std::int64_t h = row % s.heads, token = row / s.heads;  // token = b * N + i
    const std::int64_t offset = token * s.dim + h * s.head_dim;
    float sum = 0.0f;
    for (std::int64_t d = lane; d < s.head_dim; d += 32) sum += to_float(dout[offset + d]) * to_float(out[offset + d]);
    sum = warp_sum(sum);
    const std::int64_t b = token / s.tokens, i = token % s.tokens;
    if (lane == 0) delta[(b * s.heads + h) * s.tokens + i] = sum;
  }
}

template <typename T>
__global__ void __launch_bounds__(kThreads)
    attention_dq_kernel(const T* __restrict__ qkv, const float* __restrict__ lse, const T* __restrict__ dout,
                        const float* __restrict__ delta, T* __restrict__ dqkv, Dims s) {
  const int hd = static_cast<int>(s.head_dim), ld = hd + 1, lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const std::int64_t b = blockIdx.y / s.heads, h = blockIdx.y % s.heads, q0 = static_cast<std::int64_t>(blockIdx.x) * kQueryRows;
  float* q_tile = dynamic_smem<float>();        // [kQueryRows][hd], pre-scaled
  float* do_tile = q_tile + kQueryRows * hd;    // [kQueryRows][hd]
  float* k_tile = do_tile + kQueryRows * hd;    // [kKeys][ld]
  float* v_tile = k_tile + kKeys * ld;          // [kKeys][ld]
  float* weights = v_tile + kKeys * ld + warp * kKeys;
  const Head<T> head = head_of(qkv, s, b, h);
  const float* row_lse = lse + blockIdx.y * s.tokens;
  const float* row_delta = delta + blockIdx.y * s.tokens;
  load_tile(head.q, head.stride, q0, kQueryRows, s.tokens, hd, hd, s.scale, q_tile);
  load_tile(dout + b * s.tokens * s.dim + h * hd, s.dim, q0, kQueryRows, s.tokens, hd, hd, 1.0f, do_tile);
  float acc[kRowsPerWarp][kDimsPerLane] = {};
  for (std::int64_t k0 = 0; k0 < s.tokens; k0 += kKeys) {
    __syncthreads();
    load_tile(head.k, head.stride, k0, kKeys, s.tokens, hd, ld, 1.0f, k_tile);
    load_tile(head.v, head.stride, k0, kKeys, s.tokens, hd, ld, 1.0f, v_tile);
    __syncthreads();
    const bool valid = k0 + lane < s.tokens;
    for (int rr = 0; rr < kRowsPerWarp; ++rr) {
      const int r = warp * kRowsPerWarp + rr;
      const std::int64_t i = q0 + r;
      float ds = 0.0f;
      if (valid && i < s.tokens) {
        const float p = expf(dot(q_tile + r * hd, k_tile + lane * ld, hd) - row_lse[i]);
        ds = p * (dot(do_tile + r * hd, v_tile + lane * ld, hd) - row_delta[i]);
      }
      weights[lane] = ds;
      __syncwarp();
      add_weighted_rows(weights, k_tile, ld, hd, acc[rr], 1.0f);
      __syncwarp();
    }
  }
  for (int rr = 0; rr < kRowsPerWarp; ++rr) {
    const std::int64_t i = q0 + warp * kRowsPerWarp + rr;
    if (i >= s.tokens) continue;
    T* dq = dqkv + (b * s.tokens + i) * 3 * s.dim + h * hd;
#pragma unroll
    for (int c = 0; c < kDimsPerLane; ++c) {
      if (lane + 32 * c < hd) dq[lane + 32 * c] = from_float<T>(acc[rr][c] * s.scale);
    }
  }
}

std::size_t key_block_smem(int head_dim) {  // K and V tiles, then per-warp dK and dV accumulators
  return sizeof(float) * (2 + 2 * kWarps) * kKeys * (head_dim + 1);
}

template <typename T>
__global__ void __launch_bounds__(kThreads)
    attention_dkv_kernel(const T* __restrict__ qkv, const float* __restrict__ lse, const T* __restrict__ dout,
                         const float* __restrict__ delta, T* __restrict__ dqkv, Dims s) {
  const int hd = static_cast<int>(s.head_dim), ld = hd + 1, lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const std::int64_t b = blockIdx.y / s.heads, h = blockIdx.y % s.heads, k0 = static_cast<std::int64_t>(blockIdx.x) * kKeys;
  float* k_tile = dynamic_smem<float>();  // [kKeys][ld]
  float* v_tile = k_tile + kKeys * ld;
  float* dk_acc = v_tile + kKeys * ld;    // [kWarps][kKeys][ld]
  float* dv_acc = dk_acc + kWarps * kKeys * ld;
  const Head<T> head = head_of(qkv, s, b, h);
  load_tile(head.k, head.stride, k0, kKeys, s.tokens, hd, ld, 1.0f, k_tile);
  load_tile(head.v, head.stride, k0, kKeys, s.tokens, hd, ld, 1.0f, v_tile);
  float* my_dk = dk_acc + (warp * kKeys + lane) * ld;  // this lane's key row of this warp's slice
  float* my_dv = dv_acc + (warp * kKeys + lane) * ld;
  for (int d = 0; d < hd; ++d) my_dk[d] = my_dv[d] = 0.0f;
  __syncthreads();
  if (k0 + lane < s.tokens) {  // no barrier inside: lanes past the last key simply skip the loop
    const float* k_row = k_tile + lane * ld;
    const float* v_row = v_tile + lane * ld;
    for (std::int64_t i = warp; i < s.tokens; i += kWarps) {
      const T* q = head.q + i * head.stride;
      const T* d_o = dout + (b * s.tokens + i) * s.dim + h * hd;
      float score = 0.0f, dp = 0.0f;
      for (int d = 0; d < hd; ++d) {
        score += to_float(q[d]) * k_row[d];
        dp += to_float(d_o[d]) * v_row[d];
      }
      const float p = expf(score * s.scale - lse[blockIdx.y * s.tokens + i]);
      const float ds = p * (dp - delta[blockIdx.y * s.tokens + i]);
      for (int d = 0; d < hd; ++d) {
        my_dv[d] += p * to_float(d_o[d]);
        my_dk[d] += ds * to_float(q[d]);
      }
    }
  }
  __syncthreads();
  for (int l = threadIdx.x; l < kKeys * hd; l += blockDim.x) {
    const int j = l / hd, d = l - j * hd;
    const std::int64_t key = k0 + j;
    if (key >= s.tokens) continue;
    float dk = 0.0f, dv = 0.0f;
    for (int w = 0; w < kWarps; ++w) {
      dk += dk_acc[(w * kKeys + j) * ld + d];
      dv += dv_acc[(w * kKeys + j) * ld + d];
    }
    T* row = dqkv + (b * s.tokens + key) * 3 * s.dim + h * hd;
    row[s.dim + d] = from_float<T>(dk * s.scale);
    row[2 * s.dim + d] = from_float<T>(dv);
  }
}

Dims dims_of(const AttentionShape& s) {
  VIT_CHECK(s.heads > 0 && s.dim % s.heads == 0, "attention: dim ", s.dim, " is not divisible by ", s.heads, " heads.");
  VIT_CHECK(s.head_dim() <= kMaxHeadDim, "attention: head dim ", s.head_dim(), " exceeds ", kMaxHeadDim, ".");
  VIT_CHECK(s.batch * s.heads <= 65535, "attention: batch x heads ", s.batch * s.heads, " exceeds one launch.");
  return {s.tokens, s.dim, s.heads, s.head_dim(), 1.0f / std::sqrt(static_cast<float>(s.head_dim()))};
}

dim3 blocks_over(std::int64_t tokens, int per_block, const AttentionShape& s) {
  return dim3(static_cast<unsigned>((tokens + per_block - 1) / per_block), static_cast<unsigned>(s.batch * s.heads));
}

}  // namespace

template <typename T>
void attention_forward(const T* qkv, T* out, float* lse, const AttentionShape& s, cudaStream_t stream) {
  if constexpr (std::is_same_v<T, bfloat16>) {
    if (attention_mma_supports(s, {qkv, out})) return attention_forward_mma(qkv, out, lse, s, stream);
  }
  const Dims dims = dims_of(s);
  if (s.batch * s.tokens == 0) return;
  launch(attention_forward_kernel<typename DeviceTypeOf<T>::type>, blocks_over(s.tokens, kQueryRows, s), kThreads,
         query_block_smem(static_cast<int>(dims.head_dim)), stream, device_ptr(qkv), device_ptr(out), lse, dims);
}

std::size_t attention_backward_workspace(const AttentionShape& s) {
  return static_cast<std::size_t>(s.batch * s.heads * s.tokens);
}

template <typename T>
void attention_backward(const T* qkv, const T* out, const float* lse, const T* dout, T* dqkv, float* workspace,
                        const AttentionShape& s, cudaStream_t stream) {
  using D = typename DeviceTypeOf<T>::type;
  const Dims dims = dims_of(s);
  const std::int64_t rows = s.batch * s.tokens * s.heads;
  if (rows == 0) return;
  const int hd = static_cast<int>(dims.head_dim);
  launch(attention_delta_kernel<D>, grid_for(rows * 32, 256), 256, 0, stream, device_ptr(out), device_ptr(dout),
         workspace, dims, rows);
  if constexpr (std::is_same_v<T, bfloat16>) {
    if (attention_mma_supports(s, {qkv, dout, dqkv})) {
      return attention_backward_mma(qkv, lse, dout, workspace, dqkv, s, stream);
    }
  }
  launch(attention_dkv_kernel<D>, blocks_over(s.tokens, kKeys, s), kThreads, key_block_smem(hd), stream,
         device_ptr(qkv), lse, device_ptr(dout), static_cast<const float*>(workspace), device_ptr(dqkv), dims);
  launch(attention_dq_kernel<D>, blocks_over(s.tokens, kQueryRows, s), kThreads, query_block_smem(hd), stream,
         device_ptr(qkv), lse, device_ptr(dout), static_cast<const float*>(workspace), device_ptr(dqkv), dims);
}

#define VIT_INSTANTIATE(T)                                                                                         \
  template void attention_forward<T>(const T*, T*, float*, const AttentionShape&, cudaStream_t);              \
  template void attention_backward<T>(const T*, const T*, const float*, const T*, T*, float*,                      \
                                      const AttentionShape&, cudaStream_t);
VIT_INSTANTIATE(float)
VIT_INSTANTIATE(bfloat16)
#undef VIT_INSTANTIATE

}  // namespace vit::cuda
