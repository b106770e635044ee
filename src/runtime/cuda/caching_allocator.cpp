#include "runtime/cuda/caching_allocator.h"

#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "runtime/cuda/cuda_api.h"
#include "runtime/cuda/memory.h"

namespace vit::cuda {

namespace {

constexpr std::size_t kSmallUnit = 512;
constexpr std::size_t kLargeUnit = 1 << 20;

struct Cache {
  std::mutex mutex;
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;  // by rounded size
  AllocatorStats stats;
};

Cache& cache() {
  static Cache* instance = new Cache;  // never destroyed: tensors may outlive static destructors
  return *instance;
}

std::size_t rounded(std::size_t bytes) {
  const std::size_t unit = bytes >= kLargeUnit ? kLargeUnit : kSmallUnit;
  return (std::max<std::size_t>(bytes, 1) + unit - 1) / unit * unit;
}

// Frees every cached block; the caller holds the mutex.
void release_cached_blocks(Cache& c) {
  for (auto& [size, blocks] : c.free_blocks) {
    for (void* block : blocks) device_free(block);
  }
  c.free_blocks.clear();
  c.stats.cached_bytes = 0;
}

// The interpreter's device memory is host memory: poison every block handed out with 0xff bytes
// (NaN as float32 and bf16), so an op that leaves an output element unwritten fails its test
// instead of passing on a stale value from the cache.
void* poisoned(void* block, [[maybe_unused]] std::size_t size) {
#if VIT_CUDA_SIM
  std::memset(block, 0xff, size);
#endif
  return block;
}

void* allocate_block(Cache& c, std::size_t size) {
  auto it = c.free_blocks.find(size);
  if (it != c.free_blocks.end() && !it->second.empty()) {
    void* block = it->second.back();
    it->second.pop_back();
    c.stats.cached_bytes -= size;
    return block;
  }
  void* block = nullptr;
  if (cudaMalloc(&block, size) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky out-of-memory error before retrying
    release_cached_blocks(c);
    block = device_alloc(size);  // throws the out-of-memory sentence
  }
  ++c.stats.device_allocations;
  return block;
}

}  // namespace

void* cached_allocate(std::size_t bytes) {
  const std::size_t size = rounded(bytes);
  Cache& c = cache();
  void* block = nullptr;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    block = allocate_block(c, size);
    c.stats.in_use_bytes += size;
  }
  return poisoned(block, size);
}

void cached_release(void* data, std::size_t bytes) {
  const std::size_t size = rounded(bytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.free_blocks[size].push_back(data);
  c.stats.in_use_bytes -= size;
  c.stats.cached_bytes += size;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  release_cached_blocks(c);
}

AllocatorStats allocator_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.stats;
}

}  // namespace vit::cuda
