#pragma once
// Small kernels that exercise the SIMT primitives (simt_kernels.cu); pointers are device memory.
#include <cstdint>

#include "runtime/cuda/cuda_api.h"

namespace vit::cuda::testing {

// sums[b] = sum of x[b*block .. b*block+block) (tree reduction in shared memory); n may be ragged.
void block_sums(const float* x, float* sums, int n, int block);
// For each warp of 32 lanes holding v = x[i]: xor_sum[i] = warp total (butterfly), down_sum[i] =
// total on lane 0 (other lanes unspecified), scan[i] = inclusive prefix sum (__shfl_up_sync),
// broadcast[i] = v of lane (warp index % 32) (__shfl_sync). n is a multiple of 32.
void warp_shuffles(const int* x, int* xor_sum, int* down_sum, int* scan, int* broadcast, int n);
// ballot[w] = bits of lanes with pred != 0, any[w], all[w]; n is a multiple of 32.
void warp_votes(const int* pred, unsigned* ballot, int* any, int* all, int n);
// out = in^T for in [rows, cols], through a 32x33 shared-memory tile with 32x8 thread blocks.
void transpose(const float* in, float* out, int rows, int cols);
// One atomic per element across many blocks: sums of x (float and int), the max of ints, and a
// counter incremented with an atomicCAS loop.
void atomics(const float* x, const int* ix, int n, float* float_sum, int* int_sum, int* int_max,
             unsigned* cas_count);
// Reverses each block-sized chunk of x through dynamic shared memory.
void reverse_chunks(const float* x, float* y, int n, int block);
// Kernels with barrier bugs, for the interpreter's error reports.
void barrier_skipped_by_some(float* out, int block, int exiting);
void barrier_sites_differ(float* out, int block);
void shuffle_lane_exited(float* out);
// A launch with 2048 threads per block (invalid everywhere), on `stream`.
void launch_oversized_block(float* out, cudaStream_t stream);

}  // namespace vit::cuda::testing
