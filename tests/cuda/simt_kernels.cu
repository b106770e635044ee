// Small kernels that exercise the SIMT primitives: shared-memory reductions and tiles, warp
// shuffles and votes, atomics across blocks, dynamic shared memory, and barrier bugs.
#include "runtime/cuda/launch.cuh"
#include "simt_kernels.h"

namespace vit::cuda::testing {

namespace {

constexpr unsigned kFull = 0xffffffffu;

__global__ void block_sums_kernel(const float* __restrict__ x, float* __restrict__ sums, int n) {
  float* partial = dynamic_smem<float>();
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  partial[threadIdx.x] = i < n ? x[i] : 0.0f;
  __syncthreads();
  for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) sums[blockIdx.x] = partial[0];
}

__global__ void warp_shuffles_kernel(const int* __restrict__ x, int* __restrict__ xor_sum, int* __restrict__ down_sum,
                                     int* __restrict__ scan, int* __restrict__ broadcast) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x, lane = threadIdx.x % 32, warp = i / 32;
  const int v = x[i];
  int total = v;
  for (int offset = 16; offset > 0; offset /= 2) total += __shfl_xor_sync(kFull, total, offset);
  int reduced = v;
  for (int offset = 16; offset > 0; offset /= 2) reduced += __shfl_down_sync(kFull, reduced, offset);
  int prefix = v;
  for (int offset = 1; offset < 32; offset *= 2) {
    const int before = __shfl_up_sync(kFull, prefix, offset);
    if (lane >= offset) prefix += before;
  }
  xor_sum[i] = total;
  down_sum[i] = reduced;
  scan[i] = prefix;
  broadcast[i] = __shfl_sync(kFull, v, warp % 32);
}

__global__ void warp_votes_kernel(const int* __restrict__ pred, unsigned* __restrict__ ballot, int* __restrict__ any,
                                  int* __restrict__ all) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned bits = __ballot_sync(kFull, pred[i]);
  const int some = __any_sync(kFull, pred[i]), every = __all_sync(kFull, pred[i]);
  __syncwarp();
  if (threadIdx.x % 32 == 0) {
    ballot[i / 32] = bits;
    any[i / 32] = some;
    all[i / 32] = every;
  }
}

constexpr int kTile = 32, kRowsPerPass = 8;

__global__ void transpose_kernel(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
  VIT_SHARED(float, tile, [kTile][kTile + 1]);
  const int col = blockIdx.x * kTile + threadIdx.x;
  for (int r = threadIdx.y; r < kTile; r += kRowsPerPass) {
    const int row = blockIdx.y * kTile + r;
    if (row < rows && col < cols) tile[r][threadIdx.x] = in[row * cols + col];
  }
  __syncthreads();
  const int out_col = blockIdx.y * kTile + threadIdx.x;
  for (int r = threadIdx.y; r < kTile; r += kRowsPerPass) {
    const int out_row = blockIdx.x * kTile + r;
    if (out_row < cols && out_col < rows) out[out_row * rows + out_col] = tile[threadIdx.x][r];
  }
}

__global__ void atomics_kernel(const float* __restrict__ x, const int* __restrict__ ix, int n, float* float_sum,
                               int* int_sum, int* int_max, unsigned* cas_count) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  atomicAdd(float_sum, x[i]);
  atomicAdd(int_sum, ix[i]);
  atomicMax(int_max, ix[i]);
  unsigned seen = atomicAdd(cas_count, 0u), assumed;  // an atomic read: a plain one races with the CAS
  do {
    assumed = seen;
    seen = atomicCAS(cas_count, assumed, assumed + 1u);
  } while (seen != assumed);
}

__global__ void reverse_chunks_kernel(const float* __restrict__ x, float* __restrict__ y, int n) {
  float* chunk = dynamic_smem<float>();
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const int chunk_start = blockIdx.x * blockDim.x;
  const int chunk_size = n - chunk_start < static_cast<int>(blockDim.x) ? n - chunk_start : blockDim.x;
  if (threadIdx.x < static_cast<unsigned>(chunk_size)) chunk[threadIdx.x] = x[i];
  __syncthreads();
  if (threadIdx.x < static_cast<unsigned>(chunk_size)) y[i] = chunk[chunk_size - 1 - threadIdx.x];
}

__global__ void barrier_skipped_kernel(float* out, int exiting) {
  if (static_cast<int>(threadIdx.x) < exiting) return;  // the bug: these threads skip the barrier
  __syncthreads();
  out[threadIdx.x] = 1.0f;
}

__global__ void barrier_sites_kernel(float* out) {
  if (threadIdx.x % 2 == 0) {
    __syncthreads();
  } else {
    __syncthreads();  // a different barrier
  }
  out[threadIdx.x] = 1.0f;
}

__global__ void shuffle_exited_kernel(float* out) {
  if (threadIdx.x == 5) return;
  out[threadIdx.x] = __shfl_xor_sync(kFull, 1.0f, 1);
}

unsigned blocks_for(int n, int block) { return static_cast<unsigned>((n + block - 1) / block); }

}  // namespace

void block_sums(const float* x, float* sums, int n, int block) {
  launch(block_sums_kernel, blocks_for(n, block), block, block * sizeof(float), nullptr, x, sums, n);
}

void warp_shuffles(const int* x, int* xor_sum, int* down_sum, int* scan, int* broadcast, int n) {
  launch(warp_shuffles_kernel, blocks_for(n, 64), 64, 0, nullptr, x, xor_sum, down_sum, scan, broadcast);
}

void warp_votes(const int* pred, unsigned* ballot, int* any, int* all, int n) {
  launch(warp_votes_kernel, blocks_for(n, 96), 96, 0, nullptr, pred, ballot, any, all);
}

void transpose(const float* in, float* out, int rows, int cols) {
  launch(transpose_kernel, dim3(blocks_for(cols, kTile), blocks_for(rows, kTile)), dim3(kTile, kRowsPerPass), 0,
         nullptr, in, out, rows, cols);
}

void atomics(const float* x, const int* ix, int n, float* float_sum, int* int_sum, int* int_max,
             unsigned* cas_count) {
  launch(atomics_kernel, blocks_for(n, 64), 64, 0, nullptr, x, ix, n, float_sum, int_sum, int_max, cas_count);
}

void reverse_chunks(const float* x, float* y, int n, int block) {
  launch(reverse_chunks_kernel, blocks_for(n, block), block, block * sizeof(float), nullptr, x, y, n);
}

void barrier_skipped_by_some(float* out, int block, int exiting) {
  launch(barrier_skipped_kernel, 1, block, 0, nullptr, out, exiting);
}

void barrier_sites_differ(float* out, int block) { launch(barrier_sites_kernel, 1, block, 0, nullptr, out); }

void shuffle_lane_exited(float* out) { launch(shuffle_exited_kernel, 1, 32, 0, nullptr, out); }

void launch_oversized_block(float* out, cudaStream_t stream) {
  launch(barrier_sites_kernel, 1, 2048, 0, stream, out);
}

}  // namespace vit::cuda::testing
