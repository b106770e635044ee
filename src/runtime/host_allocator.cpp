#include "runtime/host_allocator.h"

#include <cstdlib>
#include <mutex>

#include "runtime/free_lists.h"
#include "vitcuda/runtime/check.h"

namespace vit::host {

namespace {

constexpr std::size_t kAlignment = 64;
constexpr std::size_t kCachedMinimum = 64 * 1024;
constexpr std::size_t kPage = 4096;

struct Cache {
  std::mutex mutex;
  FreeLists free_blocks;
};

Cache& cache() {
  static Cache* instance = new Cache;  // never destroyed: tensors may outlive static destructors
  return *instance;
}

std::size_t rounded(std::size_t bytes) { return round_up(bytes, bytes >= kCachedMinimum ? kPage : kAlignment); }

}  // namespace

void* allocate(std::size_t bytes) {
  const std::size_t size = rounded(bytes);
  if (size >= kCachedMinimum) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (void* block = c.free_blocks.take(size)) return block;
  }
  void* block = std::aligned_alloc(kAlignment, size);
  VIT_CHECK(block != nullptr, "out of host memory allocating ", bytes, " bytes.");
  return block;
}

void release(void* data, std::size_t bytes) {
  const std::size_t size = rounded(bytes);
  if (size < kCachedMinimum) {
    std::free(data);
    return;
  }
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.free_blocks.put(data, size);
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.free_blocks.clear([](void* block) { std::free(block); });
}

std::size_t cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.free_blocks.bytes();
}

}  // namespace vit::host
