// Attention forward on tensor cores for bf16, after FlashAttention-2. One block of 4 warps per
// 64 query rows of one (batch, head); each warp owns 16 rows. Q is loaded once into shared memory
// and kept in registers as mma A fragments; K and V stream through shared memory in blocks of 64
// keys with cp.async, double-buffered (block j+1 loads while block j is used). Per key block a
// warp computes S = Q K^T (mma m16n8k16, f32), masks keys past N, updates the running max and sum
// of each row (online softmax in registers, the 4 lanes of a row group combine with shuffles),
// rescales its output accumulators, repacks P as bf16 A fragments straight from the S
// accumulators (no trip through shared memory), and adds P V (V's B fragments by ldmatrix.trans).
// Traffic: Q, K, V read once per query block (K, V: N/64 times per head, mostly from L2), out
// written once, plus the log-sum-exp of each row for the backward. Shared memory per block:
// 5 tiles of 64 x (head dim + 8) bf16 (the 8 pad the rows off shared-memory bank conflicts).
#include "kernels/cuda/attention_mma.h"

#include <cmath>
#include <cstdint>

#include "kernels/cuda/attention_mma.cuh"

namespace vit::cuda {

namespace {

using namespace attention_mma;
constexpr int kQueryRows = kBlockRows, kKeyBlock = kBlockRows;

template <int HeadDim>
__global__ void __launch_bounds__(kThreads)
    attention_forward_mma_kernel(const __nv_bfloat16* __restrict__ qkv, __nv_bfloat16* __restrict__ out,
                                 float* __restrict__ lse, Dims s) {
  constexpr int ld = HeadDim + 8, kSteps = HeadDim / 16, kDimTiles = HeadDim / 8, kKeyTiles = kBlockTiles;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, g = lane / 4, t = lane % 4;
  const int b = blockIdx.y / s.heads, h = blockIdx.y % s.heads, q0 = blockIdx.x * kQueryRows;
  const int stride = 3 * s.dim;
  const __nv_bfloat16* q = qkv + static_cast<std::int64_t>(b) * s.tokens * stride + h * HeadDim;
  const __nv_bfloat16* k = q + s.dim;
  const __nv_bfloat16* v = q + 2 * s.dim;
  __nv_bfloat16* q_tile = dynamic_smem<__nv_bfloat16>();  // [64][ld], then K and V, two buffers each
  __nv_bfloat16* k_tiles = q_tile + kQueryRows * ld;
  __nv_bfloat16* v_tiles = k_tiles + 2 * kKeyBlock * ld;

  load_rows<HeadDim>(q, stride, q0, s.tokens, q_tile, ld);
  cp_async_commit();
  load_rows<HeadDim>(k, stride, 0, s.tokens, k_tiles, ld);
  load_rows<HeadDim>(v, stride, 0, s.tokens, v_tiles, ld);
  cp_async_commit();
  cp_async_wait<1>();  // Q has landed
  __syncthreads();
  std::uint32_t q_frag[kSteps][4];
#pragma unroll
  for (int step = 0; step < kSteps; ++step) a_from_tile(q_tile, ld, warp * 16, step * 16, q_frag[step]);

  float o[kDimTiles][4] = {}, row_max[2] = {-INFINITY, -INFINITY}, row_sum[2] = {0.0f, 0.0f};
  const int key_blocks = (s.tokens + kKeyBlock - 1) / kKeyBlock;
  for (int j = 0; j < key_blocks; ++j) {
    if (j + 1 < key_blocks) {  // the next block into the other buffer, consumed two iterations ago
      const int next = (j + 1) % 2;
      load_rows<HeadDim>(k, stride, (j + 1) * kKeyBlock, s.tokens, k_tiles + next * kKeyBlock * ld, ld);
      load_rows<HeadDim>(v, stride, (j + 1) * kKeyBlock, s.tokens, v_tiles + next * kKeyBlock * ld, ld);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
    const __nv_bfloat16* k_tile = k_tiles + (j % 2) * kKeyBlock * ld;
    const __nv_bfloat16* v_tile = v_tiles + (j % 2) * kKeyBlock * ld;

    // S = Q K^T: K's rows are B's columns; Q's fragments stay in registers.
    float score[kKeyTiles][4] = {};
#pragma unroll
    for (int step = 0; step < kSteps; ++step) multiply_step_by_rows(q_frag[step], k_tile, ld, step * 16, score);

    // Online softmax. Element i of a key tile's accumulator is row g + 8 (i / 2), key 2t + i % 2.
    float block_max[2] = {row_max[0], row_max[1]};
#pragma unroll
    for (int tile = 0; tile < kKeyTiles; ++tile) {
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const int key = j * kKeyBlock + tile * 8 + 2 * t + i % 2;
        score[tile][i] = key < s.tokens ? score[tile][i] * s.scale : -INFINITY;
        block_max[i / 2] = fmaxf(block_max[i / 2], score[tile][i]);
      }
    }
    float rescale[2], block_sum[2] = {0.0f, 0.0f};
#pragma unroll
    for (int r = 0; r < 2; ++r) {  // the 4 lanes of a group hold the row's keys between them
      block_max[r] = fmaxf(block_max[r], __shfl_xor_sync(kFullMask, block_max[r], 1));
      block_max[r] = fmaxf(block_max[r], __shfl_xor_sync(kFullMask, block_max[r], 2));
      rescale[r] = expf(row_max[r] - block_max[r]);  // 0 on the first block (row_max = -inf)
      row_max[r] = block_max[r];                     // finite: every key block holds a key below N
    }
#pragma unroll
    for (int tile = 0; tile < kKeyTiles; ++tile) {
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        score[tile][i] = expf(score[tile][i] - row_max[i / 2]);  // now P; 0 for masked keys
        block_sum[i / 2] += score[tile][i];
      }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      block_sum[r] += __shfl_xor_sync(kFullMask, block_sum[r], 1);
      block_sum[r] += __shfl_xor_sync(kFullMask, block_sum[r], 2);
      row_sum[r] = row_sum[r] * rescale[r] + block_sum[r];
    }
#pragma unroll
    for (int tile = 0; tile < kDimTiles; ++tile) {
#pragma unroll
      for (int i = 0; i < 4; ++i) o[tile][i] *= rescale[i / 2];
    }

    // O += P V: P's accumulators are the A fragments, V's rows are B's rows.
    accumulate_product<HeadDim>(score, v_tile, ld, o);
    __syncthreads();  // this buffer is loaded again at iteration j + 1
  }

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int row = q0 + warp * 16 + g + 8 * r;
    if (row >= s.tokens) continue;
    __nv_bfloat16* o_row = out + (static_cast<std::int64_t>(b) * s.tokens + row) * s.dim + h * HeadDim;
    const float inverse = 1.0f / row_sum[r];
#pragma unroll
    for (int tile = 0; tile < kDimTiles; ++tile) {
      o_row[tile * 8 + 2 * t] = __float2bfloat16(o[tile][2 * r] * inverse);
      o_row[tile * 8 + 2 * t + 1] = __float2bfloat16(o[tile][2 * r + 1] * inverse);
    }
    if (t == 0) lse[(static_cast<std::int64_t>(b) * s.heads + h) * s.tokens + row] = row_max[r] + logf(row_sum[r]);
  }
}

template <int HeadDim>
void launch_forward(const __nv_bfloat16* qkv, __nv_bfloat16* out, float* lse, const AttentionShape& s,
                    cudaStream_t stream) {
  const Dims dims{static_cast<int>(s.tokens), static_cast<int>(s.dim), static_cast<int>(s.heads),
                  1.0f / std::sqrt(static_cast<float>(HeadDim))};
  const dim3 grid(static_cast<unsigned>((s.tokens + kQueryRows - 1) / kQueryRows),
                  static_cast<unsigned>(s.batch * s.heads));
  const std::size_t smem = static_cast<std::size_t>(kQueryRows + 4 * kKeyBlock) * (HeadDim + 8) * 2;
  launch(attention_forward_mma_kernel<HeadDim>, grid, kThreads, smem, stream, qkv, out, lse, dims);
}

}  // namespace

bool attention_mma_supports(const AttentionShape& s, std::initializer_list<const void*> tensors) {
  const std::int64_t hd = s.head_dim();
  for (const void* tensor : tensors) {
    if (reinterpret_cast<std::uintptr_t>(tensor) % 16 != 0) return false;  // 16-byte cp.async rows
  }
  return (hd == 32 || hd == 64 || hd == 128) && 3 * s.dim * s.tokens * s.batch < (std::int64_t{1} << 31) &&
         s.batch * s.heads < 65536;  // 32-bit indices, grid.y
}

void attention_forward_mma(const bfloat16* qkv, bfloat16* out, float* lse, const AttentionShape& s,
                           cudaStream_t stream) {
  if (s.batch * s.tokens == 0) return;
  switch (s.head_dim()) {
    case 32:
      launch_forward<32>(device_ptr(qkv), device_ptr(out), lse, s, stream);
      break;
    case 64:
      launch_forward<64>(device_ptr(qkv), device_ptr(out), lse, s, stream);
      break;
    default:
      launch_forward<128>(device_ptr(qkv), device_ptr(out), lse, s, stream);
      break;
  }
}

}  // namespace vit::cuda
