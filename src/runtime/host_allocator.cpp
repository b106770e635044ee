#include "runtime/host_allocator.h"

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "vitcuda/runtime/check.h"

namespace vit::host {

namespace {

constexpr std::size_t kAlignment = 64;
constexpr std::size_t kCachedMinimum = 64 * 1024;
constexpr std::size_t kPage = 4096;

struct Cache {
  std::mutex mutex;
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;  // by rounded size
  std::size_t bytes = 0;
};

Cache& cache() {
  static Cache* instance = new Cache;  // never destroyed: tensors may outlive static destructors
  return *instance;
}

std::size_t rounded(std::size_t bytes) {
  const std::size_t unit = bytes >= kCachedMinimum ? kPage : kAlignment;
  return (std::max<std::size_t>(bytes, 1) + unit - 1) / unit * unit;
}

}  // namespace

void* allocate(std::size_t bytes) {
  const std::size_t size = rounded(bytes);
  if (size >= kCachedMinimum) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.free_blocks.find(size);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* block = it->second.back();
      it->second.pop_back();
      c.bytes -= size;
      return block;
    }
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
  c.free_blocks[size].push_back(data);
  c.bytes += size;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (auto& [size, blocks] : c.free_blocks) {
    for (void* block : blocks) std::free(block);
  }
  c.free_blocks.clear();
  c.bytes = 0;
}

std::size_t cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.bytes;
}

}  // namespace vit::host
