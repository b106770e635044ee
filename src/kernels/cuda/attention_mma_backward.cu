// Attention backward on tensor cores for bf16, after FlashAttention-2, without atomics: two
// kernels recompute P = exp(S / sqrt(d) - lse) from the forward's log-sum-exp, with
// delta = rowsum(dO * O) computed before (attention.cu).
//   dK, dV: one block of 4 warps per 64 keys of one (batch, head), each warp owning 16 keys and
//           their dK, dV accumulators; the block walks all query blocks (Q and dO tiles by
//           cp.async): S^T = K Q^T, dP^T = V dO^T, P^T, dS^T = P^T (dP^T - delta), then
//           dV += P^T dO and dK += dS^T Q, with P^T and dS^T repacked as A fragments.
//   dQ:     one block per 64 queries, each warp 16 of them, walking the key blocks:
//           S = Q K^T, dP = dO V^T, dS = P (dP - delta), dQ += dS K.
// Each output row is written once by the warp that owns it (no atomics, the same bits every run).
// Traffic: per (batch, head) Q and dO are read N/64 times by the dK/dV kernel, K and V N/64
// times by the dQ kernel (mostly from L2); dqkv written once. The softmax probabilities are
// computed twice, once per kernel, instead of being stored.
#include <cmath>
#include <cstdint>

#include "kernels/cuda/attention_mma.cuh"
#include "kernels/cuda/attention_mma.h"

namespace vit::cuda {

namespace {

using namespace attention_mma;

// Pointers of one (batch, head): Q, K, V rows of qkv (stride 3 dim) and dO rows (stride dim).
struct HeadPointers {
  const __nv_bfloat16 *q, *k, *v, *dout;
  __nv_bfloat16* dq;
  std::int64_t scores;  // offset of the head's rows in lse and delta [B, H, N]
};
template <int HeadDim>
__device__ __forceinline__ HeadPointers head_pointers(const __nv_bfloat16* qkv, const __nv_bfloat16* dout,
                                                      __nv_bfloat16* dqkv, const Dims& s) {
  const int b = blockIdx.y / s.heads, h = blockIdx.y % s.heads;
  const std::int64_t offset = static_cast<std::int64_t>(b) * s.tokens * 3 * s.dim + h * HeadDim;
  const __nv_bfloat16* q = qkv + offset;
  return {q,
          q + s.dim,
          q + 2 * s.dim,
          dout + static_cast<std::int64_t>(b) * s.tokens * s.dim + h * HeadDim,
          dqkv + offset,
          static_cast<std::int64_t>(blockIdx.y) * s.tokens};
}

// Writes the warp's 16 rows [row0, row0 + 16) of `acc` * factor (rows past `tokens` skipped).
template <int HeadDim>
__device__ __forceinline__ void store_rows(const float (&acc)[HeadDim / 8][4], float factor, __nv_bfloat16* out,
                                           int stride, int row0, int tokens) {
  const int g = threadIdx.x % 32 / 4, t = threadIdx.x % 4;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int row = row0 + g + 8 * r;
    if (row >= tokens) continue;
    __nv_bfloat16* o = out + static_cast<std::int64_t>(row) * stride;
#pragma unroll
    for (int tile = 0; tile < HeadDim / 8; ++tile) {
      o[tile * 8 + 2 * t] = __float2bfloat16(acc[tile][2 * r] * factor);
      o[tile * 8 + 2 * t + 1] = __float2bfloat16(acc[tile][2 * r + 1] * factor);
    }
  }
}

// acc[16 rows][64 columns] = A B^T, A the warp's 16 rows of `a_tile`, B the 64 rows of `b_tile`;
// A's fragments are read from shared memory step by step (registers go to the accumulators).
template <int HeadDim>
__device__ __forceinline__ void multiply_by_rows(const __nv_bfloat16* a_tile, const __nv_bfloat16* b_tile, int ld,
                                                 float (&acc)[kBlockTiles][4]) {
  const int warp = threadIdx.x / 32;
#pragma unroll
  for (int step = 0; step < HeadDim / 16; ++step) {
    std::uint32_t a[4];
    a_from_tile(a_tile, ld, warp * 16, step * 16, a);
    multiply_step_by_rows(a, b_tile, ld, step * 16, acc);
  }
}

template <int HeadDim>
__global__ void __launch_bounds__(kThreads)
    attention_dkdv_mma_kernel(const __nv_bfloat16* __restrict__ qkv, const float* __restrict__ lse,
                              const __nv_bfloat16* __restrict__ dout, const float* __restrict__ delta,
                              __nv_bfloat16* __restrict__ dqkv, Dims s) {
  constexpr int ld = HeadDim + 8;
  const int warp = threadIdx.x / 32, t = threadIdx.x % 4, k0 = blockIdx.x * kBlockRows, stride = 3 * s.dim;
  const HeadPointers head = head_pointers<HeadDim>(qkv, dout, dqkv, s);
  __nv_bfloat16* k_tile = dynamic_smem<__nv_bfloat16>();  // [64][ld] each: K, V, Q, dO
  __nv_bfloat16* v_tile = k_tile + kBlockRows * ld;
  __nv_bfloat16* q_tile = v_tile + kBlockRows * ld;
  __nv_bfloat16* do_tile = q_tile + kBlockRows * ld;
  float* lse_tile = reinterpret_cast<float*>(do_tile + kBlockRows * ld);  // [64], then delta [64]
  float* delta_tile = lse_tile + kBlockRows;
  load_rows<HeadDim>(head.k, stride, k0, s.tokens, k_tile, ld);
  load_rows<HeadDim>(head.v, stride, k0, s.tokens, v_tile, ld);
  cp_async_commit();

  float dk[HeadDim / 8][4] = {}, dv[HeadDim / 8][4] = {};
  for (int q0 = 0; q0 < s.tokens; q0 += kBlockRows) {
    __syncthreads();  // the previous Q and dO tiles are consumed
    load_rows<HeadDim>(head.q, stride, q0, s.tokens, q_tile, ld);
    load_rows<HeadDim>(head.dout, s.dim, q0, s.tokens, do_tile, ld);
    cp_async_commit();
    for (int i = threadIdx.x; i < kBlockRows; i += kThreads) {
      const bool inside = q0 + i < s.tokens;  // past N: P = exp(-inf) = 0
      lse_tile[i] = inside ? lse[head.scores + q0 + i] : INFINITY;
      delta_tile[i] = inside ? delta[head.scores + q0 + i] : 0.0f;
    }
    cp_async_wait<0>();
    __syncthreads();
    // Rows are the warp's keys, columns the block's queries: element i of tile n is query
    // 8n + 2t + i % 2.
    float p[kBlockTiles][4] = {}, ds[kBlockTiles][4] = {};
    multiply_by_rows<HeadDim>(k_tile, q_tile, ld, p);    // S^T
    multiply_by_rows<HeadDim>(v_tile, do_tile, ld, ds);  // dP^T
#pragma unroll
    for (int tile = 0; tile < kBlockTiles; ++tile) {
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const int query = tile * 8 + 2 * t + i % 2;
        p[tile][i] = expf(p[tile][i] * s.scale - lse_tile[query]);
        ds[tile][i] = p[tile][i] * (ds[tile][i] - delta_tile[query]);
      }
    }
    accumulate_product<HeadDim>(p, do_tile, ld, dv);  // dV += P^T dO
    accumulate_product<HeadDim>(ds, q_tile, ld, dk);  // dK += dS^T Q
  }
  const int key0 = k0 + warp * 16;
  store_rows<HeadDim>(dk, s.scale, head.dq + s.dim, stride, key0, s.tokens);
  store_rows<HeadDim>(dv, 1.0f, head.dq + 2 * s.dim, stride, key0, s.tokens);
}

template <int HeadDim>
__global__ void __launch_bounds__(kThreads)
    attention_dq_mma_kernel(const __nv_bfloat16* __restrict__ qkv, const float* __restrict__ lse,
                            const __nv_bfloat16* __restrict__ dout, const float* __restrict__ delta,
                            __nv_bfloat16* __restrict__ dqkv, Dims s) {
  constexpr int ld = HeadDim + 8;
  const int warp = threadIdx.x / 32, g = threadIdx.x % 32 / 4, t = threadIdx.x % 4;
  const int q0 = blockIdx.x * kBlockRows, stride = 3 * s.dim;
  const HeadPointers head = head_pointers<HeadDim>(qkv, dout, dqkv, s);
  __nv_bfloat16* q_tile = dynamic_smem<__nv_bfloat16>();  // [64][ld] each: Q, dO, K, V
  __nv_bfloat16* do_tile = q_tile + kBlockRows * ld;
  __nv_bfloat16* k_tile = do_tile + kBlockRows * ld;
  __nv_bfloat16* v_tile = k_tile + kBlockRows * ld;
  load_rows<HeadDim>(head.q, stride, q0, s.tokens, q_tile, ld);
  load_rows<HeadDim>(head.dout, s.dim, q0, s.tokens, do_tile, ld);
  cp_async_commit();
  float row_lse[2], row_delta[2];  // rows g and g + 8 of the warp (0 past N: not written)
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int row = q0 + warp * 16 + g + 8 * r;
    row_lse[r] = row < s.tokens ? lse[head.scores + row] : 0.0f;
    row_delta[r] = row < s.tokens ? delta[head.scores + row] : 0.0f;
  }

  float dq[HeadDim / 8][4] = {};
  for (int k0 = 0; k0 < s.tokens; k0 += kBlockRows) {
    __syncthreads();  // the previous K and V tiles are consumed
    load_rows<HeadDim>(head.k, stride, k0, s.tokens, k_tile, ld);
    load_rows<HeadDim>(head.v, stride, k0, s.tokens, v_tile, ld);
    cp_async_commit();
    cp_async_wait<0>();
    __syncthreads();
    // Rows are the warp's queries, columns the block's keys: element i of tile n is row
    // g + 8 (i / 2), key 8n + 2t + i % 2.
    float p[kBlockTiles][4] = {}, ds[kBlockTiles][4] = {};
    multiply_by_rows<HeadDim>(q_tile, k_tile, ld, p);    // S
    multiply_by_rows<HeadDim>(do_tile, v_tile, ld, ds);  // dP
#pragma unroll
    for (int tile = 0; tile < kBlockTiles; ++tile) {
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const bool key_inside = k0 + tile * 8 + 2 * t + i % 2 < s.tokens;
        p[tile][i] = key_inside ? expf(p[tile][i] * s.scale - row_lse[i / 2]) : 0.0f;
        ds[tile][i] = p[tile][i] * (ds[tile][i] - row_delta[i / 2]);
      }
    }
    accumulate_product<HeadDim>(ds, k_tile, ld, dq);  // dQ += dS K
  }
  store_rows<HeadDim>(dq, s.scale, head.dq, stride, q0 + warp * 16, s.tokens);
}

template <int HeadDim>
void launch_backward(const __nv_bfloat16* qkv, const float* lse, const __nv_bfloat16* dout, const float* delta,
                     __nv_bfloat16* dqkv, const AttentionShape& s, cudaStream_t stream) {
  const Dims dims{static_cast<int>(s.tokens), static_cast<int>(s.dim), static_cast<int>(s.heads),
                  1.0f / std::sqrt(static_cast<float>(HeadDim))};
  const dim3 grid(static_cast<unsigned>((s.tokens + kBlockRows - 1) / kBlockRows),
                  static_cast<unsigned>(s.batch * s.heads));
  const std::size_t tiles = static_cast<std::size_t>(4 * kBlockRows) * (HeadDim + 8) * 2;
  launch(attention_dkdv_mma_kernel<HeadDim>, grid, kThreads, tiles + 2 * kBlockRows * sizeof(float), stream, qkv, lse,
         dout, delta, dqkv, dims);
  launch(attention_dq_mma_kernel<HeadDim>, grid, kThreads, tiles, stream, qkv, lse, dout, delta, dqkv, dims);
}

}  // namespace

void attention_backward_mma(const bfloat16* qkv, const float* lse, const bfloat16* dout, const float* delta,
                            bfloat16* dqkv, const AttentionShape& s, cudaStream_t stream) {
  if (s.batch * s.tokens == 0) return;
  switch (s.head_dim()) {
    case 32:
      launch_backward<32>(device_ptr(qkv), lse, device_ptr(dout), delta, device_ptr(dqkv), s, stream);
      break;
    case 64:
      launch_backward<64>(device_ptr(qkv), lse, device_ptr(dout), delta, device_ptr(dqkv), s, stream);
      break;
    default:
      launch_backward<128>(device_ptr(qkv), lse, device_ptr(dout), delta, device_ptr(dqkv), s, stream);
      break;
  }
}

}  // namespace vit::cuda
