#pragma once
// Warp-level tensor-core primitives for kernels: mma.sync, ldmatrix and cp.async.
// With nvcc they are inline PTX. In the interpreter build (VIT_CUDA=SIM) they are operations of
// the SIMT interpreter (runtime/simt/tensor_core.cpp) written from the PTX ISA's fragment tables:
// the 32 lanes hand in their fragments, converge, and each gets back its own part of the result.
//
// Fragments are per-lane registers; with g = lane / 4 and t = lane % 4 (PTX ISA 9.2, 9.7.14.5.8
// "Matrix Fragments for mma.m16n8k16 with floating point type"):
//   A (16x16, row-major) a[0..3]: {A[g][2t], A[g][2t+1]}, {A[g+8][2t], A[g+8][2t+1]},
//                                 {A[g][2t+8], A[g][2t+9]}, {A[g+8][2t+8], A[g+8][2t+9]}
//   B (16x8, column)     b[0..1]: {B[2t][g], B[2t+1][g]}, {B[2t+8][g], B[2t+9][g]}
//   C, D (16x8, f32)     c[0..3]: C[g][2t], C[g][2t+1], C[g+8][2t], C[g+8][2t+1]
// Each 32-bit register holds two 16-bit values, the lower-index one in the low half (pack_bf16x2).
// The m16n8k8 tf32 shape (9.7.14.5.7 "Matrix Fragments for mma.m16n8k8") holds one value per register:
//   A (16x8) a[0..3]: A[g][t], A[g+8][t], A[g][t+4], A[g+8][t+4];  B (8x8) b[0..1]: B[t][g], B[t+4][g].
//
// In the interpreter every lane of the warp must reach the same primitive at the same source
// line (.aligned): a lane that exits or waits elsewhere is reported with the file:line.
#include <cstdint>

#include "runtime/cuda/launch.cuh"

#if VIT_CUDA_SIM
// The interpreter reports where a lane waits: the primitives take the caller's file and line.
#define VIT_MMA_SITE , const char *file = __builtin_FILE(), int line = __builtin_LINE()
#define VIT_MMA_SITE_ARGS , file, line
#else
#define VIT_MMA_SITE
#define VIT_MMA_SITE_ARGS
#endif

namespace vit::cuda {

// Two 16-bit values in one register, `low` in bits 0-15, as a fragment register holds them.
__device__ __forceinline__ std::uint32_t pack_bf16x2(__nv_bfloat16 low, __nv_bfloat16 high) {
  std::uint16_t low_bits, high_bits;
  static_assert(sizeof(low_bits) == sizeof(low));
  __builtin_memcpy(&low_bits, &low, 2);
  __builtin_memcpy(&high_bits, &high, 2);
  return std::uint32_t{low_bits} | std::uint32_t{high_bits} << 16;
}

// D = A * B + C for one m16n8k16 tile per warp, bf16 inputs, f32 accumulators. d may alias c.
__device__ __forceinline__ void mma_m16n8k16_bf16(float (&d)[4], const std::uint32_t (&a)[4],
                                                  const std::uint32_t (&b)[2], const float (&c)[4] VIT_MMA_SITE) {
#if VIT_CUDA_SIM
  simt::detail::mma_m16n8k16(simt::detail::MmaInput::bf16, d, a, b, c VIT_MMA_SITE_ARGS);
#else
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%10,%11,%12,%13};\n"
      : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
#endif
}

// The same with f16 inputs.
__device__ __forceinline__ void mma_m16n8k16_f16(float (&d)[4], const std::uint32_t (&a)[4],
                                                 const std::uint32_t (&b)[2], const float (&c)[4] VIT_MMA_SITE) {
#if VIT_CUDA_SIM
  simt::detail::mma_m16n8k16(simt::detail::MmaInput::f16, d, a, b, c VIT_MMA_SITE_ARGS);
#else
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%10,%11,%12,%13};\n"
      : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
#endif
}

// D = A * B + C for one m16n8k8 tile, tf32 inputs, f32 accumulators. A tf32 register is an f32
// bit pattern of which only the top 19 bits count: round the inputs first (cvt.rna.tf32.f32);
// the interpreter drops the low 13 bits, as the ISA says wgmma does.
__device__ __forceinline__ void mma_m16n8k8_tf32(float (&d)[4], const std::uint32_t (&a)[4],
                                                 const std::uint32_t (&b)[2], const float (&c)[4] VIT_MMA_SITE) {
#if VIT_CUDA_SIM
  simt::detail::mma_m16n8k8_tf32(d, a, b, c VIT_MMA_SITE_ARGS);
#else
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%10,%11,%12,%13};\n"
      : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
#endif
}

// ldmatrix.sync.aligned.m8n8.x{Count}{.trans}.shared.b16 (9.7.14.5.15): loads Count 8x8 matrices of 16-bit
// values from shared memory. Lane 8i+r hands in the address of row r of matrix i (16 bytes,
// 16-byte aligned; lanes from 8*Count on hand in nothing that is read). Register i of lane l gets
// row l/4, columns 2(l%4) and 2(l%4)+1 of matrix i; with Trans, column l/4, rows 2(l%4) and +1.
template <int Count, bool Trans = false>
__device__ __forceinline__ void ldmatrix(std::uint32_t (&r)[Count], const void* row VIT_MMA_SITE) {
  static_assert(Count == 1 || Count == 2 || Count == 4, "ldmatrix loads 1, 2 or 4 matrices");
#if VIT_CUDA_SIM
  simt::detail::ldmatrix(Count, Trans, r, row VIT_MMA_SITE_ARGS);
#else
  const unsigned address = static_cast<unsigned>(__cvta_generic_to_shared(row));
  if constexpr (Count == 1 && !Trans) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [%1];\n" : "=r"(r[0]) : "r"(address));
  } else if constexpr (Count == 1) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16 {%0}, [%1];\n" : "=r"(r[0]) : "r"(address));
  } else if constexpr (Count == 2 && !Trans) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0,%1}, [%2];\n" : "=r"(r[0]), "=r"(r[1]) : "r"(address));
  } else if constexpr (Count == 2) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0,%1}, [%2];\n"
                 : "=r"(r[0]), "=r"(r[1])
                 : "r"(address));
  } else if constexpr (!Trans) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(address));
  } else {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(address));
  }
#endif
}

// cp.async.{ca,cg}.shared.global (9.7.9.25.3.1): starts copying Bytes (4, 8 or 16; .cg: 16 only) from global
// `source` to shared `destination`, both Bytes-aligned; the first source_bytes are read and the
// rest of the Bytes are zero-filled (source_bytes = 0 reads nothing, for rows past the end).
// The copy lands only when a cp_async_wait covers its group: until then the shared bytes are
// undefined (in the interpreter: untouched).
template <int Bytes, bool CacheGlobal = false>
__device__ __forceinline__ void cp_async(void* destination, const void* source, int source_bytes = Bytes VIT_MMA_SITE) {
  static_assert(Bytes == 4 || Bytes == 8 || Bytes == 16, "cp.async copies 4, 8 or 16 bytes");
  static_assert(!CacheGlobal || Bytes == 16, "cp.async.cg copies 16 bytes");
#if VIT_CUDA_SIM
  simt::detail::cp_async(destination, source, Bytes, source_bytes VIT_MMA_SITE_ARGS);
#else
  const unsigned address = static_cast<unsigned>(__cvta_generic_to_shared(destination));
  if constexpr (CacheGlobal) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], %2, %3;\n" ::"r"(address), "l"(source), "n"(Bytes),
                 "r"(source_bytes));
  } else {
    asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;\n" ::"r"(address), "l"(source), "n"(Bytes),
                 "r"(source_bytes));
  }
#endif
}

// Closes the calling thread's group of cp.async copies issued since the last commit.
__device__ __forceinline__ void cp_async_commit() {
#if VIT_CUDA_SIM
  simt::detail::cp_async_commit();
#else
  asm volatile("cp.async.commit_group;\n" ::);
#endif
}

// Waits until at most Pending of the calling thread's committed groups are still in flight (the
// most recent ones). Other threads' copies need a barrier after their own wait to be visible.
template <int Pending>
__device__ __forceinline__ void cp_async_wait() {
  static_assert(Pending >= 0 && Pending <= 7, "cp.async.wait_group takes 0 to 7");
#if VIT_CUDA_SIM
  simt::detail::cp_async_wait(Pending);
#else
  asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending));
#endif
}

}  // namespace vit::cuda

#undef VIT_MMA_SITE
#undef VIT_MMA_SITE_ARGS
