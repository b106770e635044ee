#pragma once
// Kernels that exercise the tensor-core primitives of kernels/cuda/mma.cuh (tensor_core_kernels.cu):
// mma on fragments prepared by the host, ldmatrix, cp.async, a small tile GEMM that uses all
// three, and (for the interpreter's error reports) kernels that misuse them. Pointers are device
// memory.
#include <cstdint>

#include "runtime/cuda/cuda_api.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda::testing {

enum class MmaKind { m16n8k16_bf16, m16n8k16_f16, m16n8k8_tf32 };

// One warp per tile, `warps` tiles: lane l of warp w loads its registers a[(w*32 + l)*4 + r],
// b[(w*32 + l)*2 + r], c[(w*32 + l)*4 + r], runs one mma of `kind` and stores d[(w*32 + l)*4 + r].
// With `in_place` the kernel passes one register array as both c and d (d aliases c).
void mma_fragments(MmaKind kind, bool in_place, const std::uint32_t* a, const std::uint32_t* b, const float* c,
                   float* d, int warps);

// One warp: shared row (8*i + 3*r % 8) of a 32 x 24 array of 16-bit values holds row r of
// matrix i in its first 8 entries (entry c = i*64 + r*8 + c; the other 16 entries are 0xffff);
// lane L hands in the address of row L%8 of matrix L/8. out[(v*32 + L)*4 + j] = register j of
// lane L for variant v = 0..5: x1, x1.trans, x2, x2.trans, x4, x4.trans (registers a variant
// does not have are left as they were).
constexpr int kLdmatrixVariants = 6;
void ldmatrix_variants(std::uint32_t* out);

// c = a * b for row-major bf16 a [kTileGemmM, kTileGemmK] and b [kTileGemmK, kTileGemmN], f32 c:
// one block of 128 threads stages a and b in shared memory with cp.async, loads fragments with
// ldmatrix (b with .trans) and multiplies with mma.m16n8k16.bf16.
constexpr int kTileGemmM = 32, kTileGemmN = 24, kTileGemmK = 32;
void tile_gemm_bf16(const bfloat16* a, const bfloat16* b, float* c);

// One block of 64 threads copies x[0..n) into a shared float array of kAsyncChunks * 4 floats
// (poisoned with 0xff bytes first) with cp.async of 16-byte chunks, zero-filling past n: chunks
// 0..5 in a first commit group, 6..11 in a second. after_first = the whole shared array after
// cp_async_wait<1>() and a barrier, after_all = the same after cp_async_wait<0>(). If `early` is
// not null, each issuing thread also copies its two destination chunks there right after issuing
// them, before any wait (undefined on a GPU; in the interpreter the copies have not landed yet).
constexpr int kAsyncChunks = 12;
void cp_async_groups(const float* x, int n, float* after_first, float* after_all, float* early);

// Misuses, which the interpreter reports (undefined behaviour on a GPU):
// lane 5 of a warp skips an mma that the other lanes execute at skipped_mma_line() of the .cu;
void mma_skipped_by_lane_5(float* out);
int skipped_mma_line();
// an mma in a block of 48 threads (its second warp has 16);
void mma_in_partial_warp(float* out);
// ldmatrix with a shared row address 2 bytes past a 16-byte boundary;
void ldmatrix_misaligned(std::uint32_t* out);
// cp.async whose destination is global memory (`global_destination`, 16 floats) instead of shared.
void cp_async_to_global(const float* x, float* global_destination);

}  // namespace vit::cuda::testing
