#include "runtime/cuda/caching_allocator.h"

#include <algorithm>
#include <bit>
#include <mutex>
#include <unordered_map>

#include "runtime/cuda/cuda_api.h"
#include "runtime/cuda/memory.h"
#include "runtime/free_lists.h"
#if VIT_CUDA_SIM
#include "runtime/simt/memcheck.h"
#endif

namespace vit::cuda {

namespace {

constexpr std::size_t kSmallUnit = 512;
constexpr std::size_t kLargeUnit = 1 << 20;
constexpr int kClassesPerPowerOfTwo = 8;

struct Cache {
  std::mutex mutex;
  FreeLists free_blocks;
  std::unordered_map<void*, std::size_t> block_sizes;  // of the blocks handed out
  AllocatorStats stats;  // its cached_bytes is free_blocks.bytes(), filled in when read
};

Cache& cache() {
  static Cache* instance = new Cache;  // never destroyed: tensors may outlive static destructors
  return *instance;
}

// The size class of a request: 512-byte steps below 1 MiB; above, steps of an eighth of the power
// of two below it, and at least 1 MiB.
std::size_t size_class(std::size_t bytes) {
  if (bytes < kLargeUnit) return round_up(bytes, kSmallUnit);
  const std::size_t step = std::max(kLargeUnit, std::bit_floor(bytes) / kClassesPerPowerOfTwo);
  return round_up(bytes, step);
}

// Frees every cached block; the caller holds the mutex.
void release_cached_blocks(Cache& c) {
  c.free_blocks.clear([](void* block) { device_free(block); });
}

// The interpreter's device memory is host memory: every block handed out is filled with 0xff
// bytes (NaN as float32 and bf16), so an op that leaves an output element unwritten fails its
// test instead of passing on a stale value from the cache; sanitizer builds also poison the bytes
// past `bytes` and the cached blocks (runtime/simt/memcheck.h).
void* handed_out(void* block, [[maybe_unused]] std::size_t bytes, [[maybe_unused]] std::size_t size) {
#if VIT_CUDA_SIM
  simt::device_block_handed_out(block, bytes, size);
#endif
  return block;
}

// A block for `size` (a size class) and its actual size: a cached one of that class, else the
// smallest cached one up to twice as large, else a new one.
std::pair<void*, std::size_t> allocate_block(Cache& c, std::size_t size) {
  if (void* block = c.free_blocks.take(size)) return {block, size};
  if (const auto fitting = c.free_blocks.take_fitting(size, 2 * size); fitting.first != nullptr) return fitting;
  void* block = nullptr;
  if (cudaMalloc(&block, size) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky out-of-memory error before retrying
    release_cached_blocks(c);
    block = device_alloc(size);  // throws the out-of-memory sentence
  }
  ++c.stats.device_allocations;
  return {block, size};
}

}  // namespace

void* cached_allocate(std::size_t bytes) {
  Cache& c = cache();
  std::pair<void*, std::size_t> block;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    block = allocate_block(c, size_class(bytes));
    c.block_sizes[block.first] = block.second;
    c.stats.in_use_bytes += block.second;
    c.stats.peak_in_use_bytes = std::max(c.stats.peak_in_use_bytes, c.stats.in_use_bytes);
  }
  return handed_out(block.first, bytes, block.second);
}

void cached_release(void* data) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  const auto it = c.block_sizes.find(data);  // always there: only tensors and scratch release
  const std::size_t size = it->second;
  c.block_sizes.erase(it);
#if VIT_CUDA_SIM
  simt::device_block_taken_back(data, size);
#endif
  c.free_blocks.put(data, size);
  c.stats.in_use_bytes -= size;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  release_cached_blocks(c);
}

void reset_peak_in_use() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stats.peak_in_use_bytes = c.stats.in_use_bytes;
}

AllocatorStats allocator_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  AllocatorStats stats = c.stats;
  stats.cached_bytes = c.free_blocks.bytes();
  return stats;
}

}  // namespace vit::cuda
