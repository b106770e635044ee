// Kernels for the tensor-core tests (test_tensor_core.cpp): mma on register fragments the host
// prepares (so the host can check the fragment layouts and the arithmetic), ldmatrix from rows at
// permuted shared addresses, cp.async with zero fill in two commit groups, a small bf16 tile GEMM
// that combines cp.async, ldmatrix and mma, and misuses that the interpreter must report.
#include "kernels/cuda/mma.cuh"
#include "runtime/cuda/launch.cuh"
#include "tensor_core_kernels.h"

namespace vit::cuda::testing {

namespace {

constexpr int kWarpSize = 32;

template <MmaKind Kind>
__device__ __forceinline__ void run_mma(float (&d)[4], const std::uint32_t (&a)[4], const std::uint32_t (&b)[2],
                                        const float (&c)[4]) {
  if constexpr (Kind == MmaKind::m16n8k16_bf16) {
    mma_m16n8k16_bf16(d, a, b, c);
  } else if constexpr (Kind == MmaKind::m16n8k16_f16) {
    mma_m16n8k16_f16(d, a, b, c);
  } else {
    mma_m16n8k8_tf32(d, a, b, c);
  }
}

template <MmaKind Kind, bool InPlace>
__global__ void mma_fragments_kernel(const std::uint32_t* __restrict__ a, const std::uint32_t* __restrict__ b,
                                     const float* __restrict__ c, float* __restrict__ d) {
  const int thread = blockIdx.x * blockDim.x + threadIdx.x;  // warp * 32 + lane
  std::uint32_t a_regs[4], b_regs[2];
  float c_regs[4], d_regs[4];
  for (int r = 0; r < 4; ++r) a_regs[r] = a[thread * 4 + r];
  for (int r = 0; r < 2; ++r) b_regs[r] = b[thread * 2 + r];
  for (int r = 0; r < 4; ++r) c_regs[r] = c[thread * 4 + r];
  if constexpr (InPlace) {
    run_mma<Kind>(c_regs, a_regs, b_regs, c_regs);
    for (int r = 0; r < 4; ++r) d[thread * 4 + r] = c_regs[r];
  } else {
    run_mma<Kind>(d_regs, a_regs, b_regs, c_regs);
    for (int r = 0; r < 4; ++r) d[thread * 4 + r] = d_regs[r];
  }
}

template <MmaKind Kind>
void launch_mma_fragments(bool in_place, const std::uint32_t* a, const std::uint32_t* b, const float* c, float* d,
                          int warps) {
  const int warps_per_block = warps % 2 == 0 ? 2 : 1;  // several warps in a block where possible
  const dim3 grid(warps / warps_per_block), block(kWarpSize * warps_per_block);
  if (in_place) {
    launch(mma_fragments_kernel<Kind, true>, grid, block, 0, nullptr, a, b, c, d);
  } else {
    launch(mma_fragments_kernel<Kind, false>, grid, block, 0, nullptr, a, b, c, d);
  }
}

template <int Count>
__device__ void store_registers(std::uint32_t* out, int variant, int lane, const std::uint32_t (&r)[Count]) {
  for (int j = 0; j < Count; ++j) out[(variant * kWarpSize + lane) * 4 + j] = r[j];
}

constexpr int kLdmatrixRowHalfs = 24;  // 48 bytes: each row stays 16-byte aligned

__global__ void ldmatrix_variants_kernel(std::uint32_t* __restrict__ out) {
  VIT_SHARED(std::uint16_t, rows, [4 * 8][kLdmatrixRowHalfs]);
  const int lane = threadIdx.x, matrix = lane / 8, row = lane % 8;
  std::uint16_t* mine = rows[matrix * 8 + (row * 3) % 8];  // row r of matrix i, at a permuted place
  for (int col = 0; col < kLdmatrixRowHalfs; ++col) {
    mine[col] = static_cast<std::uint16_t>(col < 8 ? matrix * 64 + row * 8 + col : 0xffff);
  }
  __syncthreads();
  std::uint32_t x1[1], x2[2], x4[4];
  ldmatrix<1>(x1, mine);
  store_registers(out, 0, lane, x1);
  ldmatrix<1, true>(x1, mine);
  store_registers(out, 1, lane, x1);
  ldmatrix<2>(x2, mine);
  store_registers(out, 2, lane, x2);
  ldmatrix<2, true>(x2, mine);
  store_registers(out, 3, lane, x2);
  ldmatrix<4>(x4, mine);
  store_registers(out, 4, lane, x4);
  ldmatrix<4, true>(x4, mine);
  store_registers(out, 5, lane, x4);
}

constexpr int kGemmThreads = 128;
constexpr int kGemmAStride = kTileGemmK + 8;  // halfs per shared row of a: 80 bytes, a multiple of 16
constexpr int kGemmBStride = kTileGemmN + 8;  // 64 bytes
static_assert(kTileGemmM % 16 == 0 && kTileGemmN % 8 == 0 && kTileGemmK == 32,
              "the tile GEMM loads all of b's k rows with one ldmatrix.x4.trans");

__global__ void tile_gemm_bf16_kernel(const bfloat16* __restrict__ a, const bfloat16* __restrict__ b,
                                      float* __restrict__ c) {
  VIT_SHARED(std::uint16_t, a_tile, [kTileGemmM][kGemmAStride]);
  VIT_SHARED(std::uint16_t, b_tile, [kTileGemmK][kGemmBStride]);
  // Stage a and b in 16-byte chunks of 8 values.
  constexpr int kAChunksPerRow = kTileGemmK / 8, kBChunksPerRow = kTileGemmN / 8;
  for (int chunk = threadIdx.x; chunk < kTileGemmM * kAChunksPerRow; chunk += blockDim.x) {
    const int row = chunk / kAChunksPerRow, col = chunk % kAChunksPerRow * 8;
    cp_async<16>(&a_tile[row][col], a + row * kTileGemmK + col);
  }
  for (int chunk = threadIdx.x; chunk < kTileGemmK * kBChunksPerRow; chunk += blockDim.x) {
    const int row = chunk / kBChunksPerRow, col = chunk % kBChunksPerRow * 8;
    cp_async<16, true>(&b_tile[row][col], b + row * kTileGemmN + col);
  }
  cp_async_commit();
  cp_async_wait<0>();
  __syncthreads();

  const int warp = threadIdx.x / kWarpSize, lane = threadIdx.x % kWarpSize, g = lane / 4, t = lane % 4;
  constexpr int kColTiles = kTileGemmN / 8, kTiles = kTileGemmM / 16 * kColTiles;
  for (int tile = warp; tile < kTiles; tile += blockDim.x / kWarpSize) {
    const int row0 = tile / kColTiles * 16, col0 = tile % kColTiles * 8;
    // b: matrix i of the x4.trans load is rows k = 8i..8i+7, so registers 2s and 2s+1 are the
    // b fragment of k step s (k = 2t.., n = g).
    std::uint32_t b_regs[4];
    ldmatrix<4, true>(b_regs, &b_tile[lane][col0]);
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int step = 0; step < kTileGemmK / 16; ++step) {
      // a: matrices (rows 0-7, k 0-7), (rows 8-15, k 0-7), (rows 0-7, k 8-15), (rows 8-15, k 8-15).
      const int matrix = lane / 8;
      std::uint32_t a_regs[4];
      ldmatrix<4>(a_regs, &a_tile[row0 + (matrix & 1) * 8 + lane % 8][step * 16 + (matrix >> 1) * 8]);
      const std::uint32_t b_step[2] = {b_regs[2 * step], b_regs[2 * step + 1]};
      mma_m16n8k16_bf16(acc, a_regs, b_step, acc);
    }
    for (int i = 0; i < 4; ++i) c[(row0 + g + (i >= 2 ? 8 : 0)) * kTileGemmN + col0 + 2 * t + (i & 1)] = acc[i];
  }
}

constexpr int kAsyncThreads = 64, kAsyncFloats = kAsyncChunks * 4, kFirstGroupChunks = kAsyncChunks / 2;

// Starts copying chunk `chunk` (4 floats) of x[0..n) to `staged`; bytes past n are zero-filled.
__device__ void copy_chunk(float* staged, const float* x, int n, int chunk) {
  const int left = n - 4 * chunk, valid = left < 0 ? 0 : (left > 4 ? 4 : left);
  cp_async<16>(staged + 4 * chunk, valid > 0 ? x + 4 * chunk : x, valid * 4);
}

__global__ void cp_async_groups_kernel(const float* __restrict__ x, int n, float* __restrict__ after_first,
                                       float* __restrict__ after_all, float* __restrict__ early) {
  VIT_SHARED(float, staged, [kAsyncFloats]);
  const int tid = threadIdx.x;
  if (tid < kAsyncFloats) staged[tid] = __uint_as_float(0xffffffffu);
  __syncthreads();
  if (tid < kFirstGroupChunks) {  // thread i copies chunk i in the first group and chunk i + 6 in the second
    copy_chunk(staged, x, n, tid);
    cp_async_commit();
    copy_chunk(staged, x, n, tid + kFirstGroupChunks);
    cp_async_commit();
    if (early != nullptr) {
      for (int group = 0; group < 2; ++group) {
        const int chunk = tid + group * kFirstGroupChunks;
        for (int j = 0; j < 4; ++j) early[4 * chunk + j] = staged[4 * chunk + j];
      }
    }
  }
  cp_async_wait<1>();
  __syncthreads();
  if (tid < kAsyncFloats) after_first[tid] = staged[tid];  // the second group's part: not yet waited for
  __syncthreads();
  cp_async_wait<0>();
  __syncthreads();
  if (tid < kAsyncFloats) after_all[tid] = staged[tid];
}

__global__ void mma_skipped_kernel(float* out) {
  const int lane = threadIdx.x % kWarpSize;
  const std::uint32_t a[4] = {0, 0, 0, 0}, b[2] = {0, 0};
  float d[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  if (lane != 5) mma_m16n8k16_bf16(d, a, b, d);
  out[threadIdx.x] = d[0];
}
constexpr int kSkippedMmaLine = __LINE__ - 3;  // the mma above

__global__ void mma_partial_warp_kernel(float* out) {
  const std::uint32_t a[4] = {0, 0, 0, 0}, b[2] = {0, 0};
  float d[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  mma_m16n8k16_bf16(d, a, b, d);
  out[threadIdx.x] = d[0];
}

__global__ void ldmatrix_misaligned_kernel(std::uint32_t* out) {
  VIT_SHARED(std::uint16_t, rows, [8][16]);
  for (int i = threadIdx.x; i < 8 * 16; i += blockDim.x) rows[i / 16][i % 16] = static_cast<std::uint16_t>(i);
  __syncthreads();
  std::uint32_t r[1];
  ldmatrix<1>(r, &rows[threadIdx.x % 8][1]);  // 2 bytes past a 16-byte boundary
  out[threadIdx.x] = r[0];
}

__global__ void cp_async_to_global_kernel(const float* x, float* global_destination) {
  if (threadIdx.x == 0) {
    cp_async<16>(global_destination, x);
    cp_async_commit();
    cp_async_wait<0>();
  }
}

}  // namespace

void mma_fragments(MmaKind kind, bool in_place, const std::uint32_t* a, const std::uint32_t* b, const float* c,
                   float* d, int warps) {
  switch (kind) {
    case MmaKind::m16n8k16_bf16:
      launch_mma_fragments<MmaKind::m16n8k16_bf16>(in_place, a, b, c, d, warps);
      break;
    case MmaKind::m16n8k16_f16:
      launch_mma_fragments<MmaKind::m16n8k16_f16>(in_place, a, b, c, d, warps);
      break;
    case MmaKind::m16n8k8_tf32:
      launch_mma_fragments<MmaKind::m16n8k8_tf32>(in_place, a, b, c, d, warps);
      break;
  }
}

void ldmatrix_variants(std::uint32_t* out) { launch(ldmatrix_variants_kernel, 1, kWarpSize, 0, nullptr, out); }

void tile_gemm_bf16(const bfloat16* a, const bfloat16* b, float* c) {
  launch(tile_gemm_bf16_kernel, 1, kGemmThreads, 0, nullptr, a, b, c);
}

void cp_async_groups(const float* x, int n, float* after_first, float* after_all, float* early) {
  launch(cp_async_groups_kernel, 1, kAsyncThreads, 0, nullptr, x, n, after_first, after_all, early);
}

void mma_skipped_by_lane_5(float* out) { launch(mma_skipped_kernel, 1, kWarpSize, 0, nullptr, out); }

int skipped_mma_line() { return kSkippedMmaLine; }

void mma_in_partial_warp(float* out) { launch(mma_partial_warp_kernel, 1, 48, 0, nullptr, out); }

void ldmatrix_misaligned(std::uint32_t* out) { launch(ldmatrix_misaligned_kernel, 1, kWarpSize, 0, nullptr, out); }

void cp_async_to_global(const float* x, float* global_destination) {
  launch(cp_async_to_global_kernel, 1, kWarpSize, 0, nullptr, x, global_destination);
}

}  // namespace vit::cuda::testing
