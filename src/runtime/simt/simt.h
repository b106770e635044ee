#pragma once
// The device side of the SIMT interpreter (VIT_CUDA=SIM): what a .cu kernel sees when it is
// compiled by the host compiler. Each GPU thread of a block is a fiber on one host thread, so
//   shared memory         is the running block's window (shared_memory.cpp): dynamic_smem<T>()
//                         and VIT_SHARED variables, poisoned for each block,
//   threadIdx, blockIdx   are thread_local values the scheduler sets before resuming a fiber,
//   __syncthreads, warp   primitives suspend the fiber in the scheduler (scheduler.cpp),
//   mma, ldmatrix         are warp-collective operations (tensor_core.cpp),
//   cp.async              copies wait in the thread's queue until its cp_async_wait,
//   atomics               are host atomics (blocks run on several host threads at once).
// Kernels include it through runtime/cuda/launch.cuh.

#include "runtime/simt/toolkit.h"

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace vit::simt::detail {

// Set by the scheduler (scheduler.cpp) before it resumes a fiber / starts a block.
inline thread_local uint3 thread_idx{}, block_idx{}, block_dim{}, grid_dim{};
inline thread_local unsigned char* dynamic_smem = nullptr;  // the window of the running block

enum class WarpOpKind : std::uint8_t { sync, shfl_idx, shfl_up, shfl_down, shfl_xor, ballot, any, all, collective };

// A warp-collective instruction (.sync.aligned): every lane of a full warp reaches it at the same
// source line with its own `lane_data`; then `complete` runs once with the 32 lanes' data, in
// lane order, and writes each lane's results.
struct WarpCollective {
  const char* name;
  void (*complete)(void* const* lanes);
};
void warp_collective(const WarpCollective& op, void* lane_data, const char* file, int line);

// Suspends the calling GPU thread until every lane of `mask` reaches a warp operation of the same
// kind; returns the value it receives (the source lane's value, or the ballot bits).
std::uint64_t warp_op(WarpOpKind kind, unsigned mask, std::uint64_t value, int arg, int width,
                      const char* file, int line);
// Suspends the calling GPU thread until every thread of the block waits at this barrier.
void block_barrier(const char* file, int line);

// A VIT_SHARED variable: its declaration, the key of its slot in each block's shared window.
struct SharedDecl {
  const char* name;
  const char* file;
  int line;
};
void* static_shared(const SharedDecl* decl, std::size_t bytes);

// ---- tensor-core primitives (tensor_core.cpp), called by kernels/cuda/mma.cuh ----------------
enum class MmaInput : std::uint8_t { bf16, f16 };
void mma_m16n8k16(MmaInput input, float* d, const std::uint32_t* a, const std::uint32_t* b, const float* c,
                  const char* file, int line);
void mma_m16n8k8_tf32(float* d, const std::uint32_t* a, const std::uint32_t* b, const float* c, const char* file,
                      int line);
// Checks that [address, address + bytes) lies in the running block's shared window.
void check_shared_access(const char* what, const void* address, std::size_t bytes, std::size_t alignment,
                         const char* file, int line);
struct LdmatrixLane {
  std::uint32_t* registers;
  unsigned char row[16];  // the row this lane hands in, read by the lane itself (sanitizers see it)
};
const WarpCollective& ldmatrix_op(int count, bool trans);
inline int lane_id() {
  return static_cast<int>((thread_idx.x + block_dim.x * (thread_idx.y + block_dim.y * thread_idx.z)) % 32);
}
inline void ldmatrix(int count, bool trans, std::uint32_t* registers, const void* row, const char* file, int line) {
  LdmatrixLane lane{registers, {}};
  if (lane_id() < 8 * count) {  // only these lanes' addresses are read
    check_shared_access("ldmatrix", row, sizeof(lane.row), 16, file, line);
    std::memcpy(lane.row, row, sizeof(lane.row));
  }
  warp_collective(ldmatrix_op(count, trans), &lane, file, line);
}

// cp.async: the copy waits in the calling thread's queue; commit closes a group; wait lands the
// copies of every group but the `pending` most recent ones, in the thread's own code below, so
// the sanitizers see the writes where the kernel waits.
struct AsyncCopy {
  void* destination;
  const void* source;
  int bytes, source_bytes;
};
void cp_async(void* destination, const void* source, int bytes, int source_bytes, const char* file, int line);
void cp_async_commit();
std::vector<AsyncCopy>& cp_async_take_due(int pending);  // valid until the thread's next call
inline void cp_async_wait(int pending) {
  for (const AsyncCopy& copy : cp_async_take_due(pending)) {
    std::memcpy(copy.destination, copy.source, static_cast<std::size_t>(copy.source_bytes));
    std::memset(static_cast<unsigned char*>(copy.destination) + copy.source_bytes, 0,
                static_cast<std::size_t>(copy.bytes - copy.source_bytes));
  }
}

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
inline float __fmul_rn(float x, float y) { return x * y; }  // nvcc never fuses these into an FMA
inline float __fadd_rn(float x, float y) { return x + y; }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
inline unsigned __float_as_uint(float x) { return ::vit::simt::detail::from_bits<unsigned>(::vit::simt::detail::to_bits(x)); }
inline float __uint_as_float(unsigned x) { return ::vit::simt::detail::from_bits<float>(x); }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
template <typename T>
T __ldg(const T* address) { return *address; }
