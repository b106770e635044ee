#pragma once
// The device side of the SIMT interpreter (VIT_CUDA=SIM): what a .cu kernel sees when it is
// compiled by the host compiler. Each GPU thread of a block is a fiber on one host thread, so
//   __shared__            is `static thread_local` (one copy per host thread = per running block),
//   threadIdx, blockIdx   are thread_local values the scheduler sets before resuming a fiber,
//   __syncthreads, warp   primitives suspend the fiber in the scheduler (scheduler.cpp),
//   atomics               are host atomics (blocks run on several host threads at once).
// Kernels include it through runtime/cuda/launch.cuh.

#include "runtime/simt/toolkit.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace vit::simt::detail {

// Set by the scheduler (scheduler.cpp) before it resumes a fiber / starts a block.
inline thread_local uint3 thread_idx{}, block_idx{}, block_dim{}, grid_dim{};
inline thread_local unsigned char* dynamic_smem = nullptr;

enum class WarpOpKind : std::uint8_t { sync, shfl_idx, shfl_up, shfl_down, shfl_xor, ballot, any, all };

// Suspends the calling GPU thread until every lane of `mask` reaches a warp operation of the same
// kind; returns the value it receives (the source lane's value, or the ballot bits).
std::uint64_t warp_op(WarpOpKind kind, unsigned mask, std::uint64_t value, int arg, int width,
                      const char* file, int line);
// Suspends the calling GPU thread until every thread of the block waits at this barrier.
void block_barrier(const char* file, int line);

template <typename T>
std::uint64_t to_bits(T value) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "warp shuffles move up to 8 bytes");
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  return bits;
}
template <typename T>
T from_bits(std::uint64_t bits) {
  T value;
  std::memcpy(&value, &bits, sizeof(T));
  return value;
}

}  // namespace vit::simt::detail

#define threadIdx (::vit::simt::detail::thread_idx)
#define blockIdx (::vit::simt::detail::block_idx)
#define blockDim (::vit::simt::detail::block_dim)
#define gridDim (::vit::simt::detail::grid_dim)
constexpr int warpSize = 32;

// ---- barriers and warp primitives -------------------------------------------------------------
inline void __syncthreads(const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  ::vit::simt::detail::block_barrier(file, line);
}
inline void __syncwarp(unsigned mask = 0xffffffffu, const char* file = __builtin_FILE(),
                       int line = __builtin_LINE()) {
  ::vit::simt::detail::warp_op(::vit::simt::detail::WarpOpKind::sync, mask, 0, 0, 32, file, line);
}

#define VIT_SIMT_SHUFFLE(name, kind, arg_type)                                                     \
  template <typename T>                                                                            \
  T name(unsigned mask, T value, arg_type arg, int width = warpSize, const char* file = __builtin_FILE(), \
         int line = __builtin_LINE()) {                                                            \
    using namespace ::vit::simt::detail;                                                           \
    return from_bits<T>(                                                                           \
        warp_op(WarpOpKind::kind, mask, to_bits(value), static_cast<int>(arg), width, file, line)); \
  }
VIT_SIMT_SHUFFLE(__shfl_sync, shfl_idx, int)
VIT_SIMT_SHUFFLE(__shfl_up_sync, shfl_up, unsigned)
VIT_SIMT_SHUFFLE(__shfl_down_sync, shfl_down, unsigned)
VIT_SIMT_SHUFFLE(__shfl_xor_sync, shfl_xor, int)
#undef VIT_SIMT_SHUFFLE

#define VIT_SIMT_VOTE(name, kind, result_type)                                                     \
  inline result_type name(unsigned mask, int predicate, const char* file = __builtin_FILE(),       \
                          int line = __builtin_LINE()) {                                           \
    using namespace ::vit::simt::detail;                                                           \
    return static_cast<result_type>(warp_op(WarpOpKind::kind, mask, predicate != 0, 0, warpSize, file, line)); \
  }
VIT_SIMT_VOTE(__ballot_sync, ballot, unsigned)
VIT_SIMT_VOTE(__any_sync, any, int)
VIT_SIMT_VOTE(__all_sync, all, int)
#undef VIT_SIMT_VOTE

// ---- atomics: return the old value, like CUDA's --------------------------------------------
template <typename T>
T atomicAdd(T* address, std::type_identity_t<T> value) {
  return std::atomic_ref<T>(*address).fetch_add(value);
}
template <typename T>
T atomicExch(T* address, std::type_identity_t<T> value) {
  return std::atomic_ref<T>(*address).exchange(value);
}
template <typename T>
T atomicCAS(T* address, std::type_identity_t<T> compare, std::type_identity_t<T> value) {
  std::atomic_ref<T>(*address).compare_exchange_strong(compare, value);
  return compare;  // holds the old value whether or not the exchange happened
}
template <typename T>
T atomicMax(T* address, std::type_identity_t<T> value) {
  std::atomic_ref<T> ref(*address);
  T old = ref.load();
  while (old < value && !ref.compare_exchange_weak(old, value)) {
  }
  return old;
}
template <typename T>
T atomicMin(T* address, std::type_identity_t<T> value) {
  std::atomic_ref<T> ref(*address);
  T old = ref.load();
  while (value < old && !ref.compare_exchange_weak(old, value)) {
  }
  return old;
}

// ---- device intrinsics with a host meaning ---------------------------------------------------
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float x, float y) { return x / y; }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
inline unsigned __float_as_uint(float x) { return ::vit::simt::detail::from_bits<unsigned>(::vit::simt::detail::to_bits(x)); }
inline float __uint_as_float(unsigned x) { return ::vit::simt::detail::from_bits<float>(x); }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
template <typename T>
T __ldg(const T* address) { return *address; }
