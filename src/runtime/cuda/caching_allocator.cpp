#include "runtime/cuda/caching_allocator.h"

#include <algorithm>
#include <bit>
#include <mutex>
#include <unordered_map>
#include <utility>

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
constexpr int kClassesPerPowerOfTwo = 64;

struct Block {
  std::size_t size;
  GraphPool* pool;  // the graph it is reserved for, or null
};

struct Cache {
  std::mutex mutex;
  FreeLists free_blocks;
  std::unordered_map<void*, Block> handed_out;
  AllocatorStats stats;  // its cached_bytes is free_blocks.bytes(), filled in when read
};

thread_local GraphPool* t_capture_pool = nullptr;  // this thread is capturing a graph

Cache& cache() {
  static Cache* instance = new Cache;  // never destroyed: tensors may outlive static destructors
  return *instance;
}

// The size class of a request: 512-byte steps below 1 MiB; above, steps of 1/64 of the power of
// two below it, and at least 1 MiB. (Eighths cost ViT-B/16 8% of its peak in rounding.)
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

// A cached block for `size` (a size class) and its actual size: the smallest from `size` to twice
// that, so one of its own class first; {nullptr, 0} when there is none.
std::pair<void*, std::size_t> take_cached(FreeLists& free_blocks, std::size_t size) {
  return free_blocks.take_fitting(size, 2 * size);
}

// A block for `size` and its actual size: a cached one, else a new one.
std::pair<void*, std::size_t> allocate_block(Cache& c, std::size_t size) {
  if (const auto cached = take_cached(c.free_blocks, size); cached.first != nullptr) return cached;
  void* block = nullptr;
  if (cudaMalloc(&block, size) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky out-of-memory error before retrying
    release_cached_blocks(c);
    block = device_alloc(size);  // throws the out-of-memory sentence
  }
  ++c.stats.device_allocations;
  return {block, size};
}

// A graph's block stays addressable while it is free: the graph's replays still use it. In the
// interpreter build that means refilling it with NaN and lifting the sanitizer's poison.
void reserve_for_graph([[maybe_unused]] void* block, [[maybe_unused]] std::size_t size) {
#if VIT_CUDA_SIM
  simt::device_block_handed_out(block, size, size);
#endif
}

}  // namespace

struct GraphPool {
  FreeLists free_blocks;
  std::unordered_map<void*, std::size_t> blocks;  // every block it holds, handed out or free
};

void* cached_allocate(std::size_t bytes) {
  Cache& c = cache();
  GraphPool* pool = t_capture_pool;
  const std::size_t size = size_class(bytes);
  std::pair<void*, std::size_t> block{nullptr, 0};
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (pool != nullptr) block = take_cached(pool->free_blocks, size);  // the graph's own blocks first
    if (block.first == nullptr) {
      block = allocate_block(c, size);
      if (pool != nullptr) pool->blocks[block.first] = block.second;
      c.stats.in_use_bytes += block.second;  // a graph's free blocks count as in use already
      c.stats.peak_in_use_bytes = std::max(c.stats.peak_in_use_bytes, c.stats.in_use_bytes);
    }
    c.handed_out[block.first] = {block.second, pool};
  }
  return handed_out(block.first, bytes, block.second);
}

void cached_release(void* data) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  const auto it = c.handed_out.find(data);  // always there: only tensors and scratch release
  const Block block = it->second;
  c.handed_out.erase(it);
  if (block.pool != nullptr) {  // still in use: by the graph's replays
    reserve_for_graph(data, block.size);
    block.pool->free_blocks.put(data, block.size);
    return;
  }
  c.stats.in_use_bytes -= block.size;
#if VIT_CUDA_SIM
  simt::device_block_taken_back(data, block.size);
#endif
  c.free_blocks.put(data, block.size);
}

GraphPool* begin_graph_pool() {
  t_capture_pool = new GraphPool;
  return t_capture_pool;
}

void end_graph_pool() {
  GraphPool* pool = std::exchange(t_capture_pool, nullptr);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  // A block handed out twice during the capture, the second time for fewer bytes, is used for the
  // first size too when the graph replays.
  for (const auto& [block, size] : pool->blocks) reserve_for_graph(block, size);
}

void release_graph_pool(GraphPool* pool) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  pool->free_blocks.clear([&](void* block) {
    const std::size_t size = pool->blocks.at(block);
#if VIT_CUDA_SIM
    simt::device_block_taken_back(block, size);
#endif
    c.free_blocks.put(block, size);
    c.stats.in_use_bytes -= size;
  });
  for (auto& [block, info] : c.handed_out) {
    if (info.pool == pool) info.pool = nullptr;  // back to the shared cache when released
  }
  delete pool;
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
