#pragma once
// What both caching allocators (host_allocator.cpp, cuda/caching_allocator.cpp) keep between a
// release and the next allocation: free blocks on lists keyed by their rounded size, handed out
// again for exactly that size, or (take_fitting) for a smaller one. Not thread-safe: each
// allocator holds its own lock around it.
#include <cstddef>
#include <map>
#include <utility>
#include <vector>

namespace vit {

// `bytes` (at least 1) rounded up to a multiple of `unit`.
inline std::size_t round_up(std::size_t bytes, std::size_t unit) {
  return ((bytes > 0 ? bytes : 1) + unit - 1) / unit * unit;
}

class FreeLists {
 public:
  // A cached block of exactly `size` bytes, or nullptr.
  void* take(std::size_t size) {
    auto it = blocks_.find(size);
    if (it == blocks_.end() || it->second.empty()) return nullptr;
    void* block = it->second.back();
    it->second.pop_back();
    bytes_ -= size;
    return block;
  }
  // The smallest cached block of `size` to `limit` bytes and its size, or {nullptr, 0}.
  std::pair<void*, std::size_t> take_fitting(std::size_t size, std::size_t limit) {
    for (auto it = blocks_.lower_bound(size); it != blocks_.end() && it->first <= limit; ++it) {
      if (!it->second.empty()) return {take(it->first), it->first};
    }
    return {nullptr, 0};
  }
  void put(void* block, std::size_t size) {
    blocks_[size].push_back(block);
    bytes_ += size;
  }
  // Hands every cached block to free_block(block) and forgets them.
  template <typename Free>
  void clear(Free free_block) {
    for (auto& [size, blocks] : blocks_) {
      for (void* block : blocks) free_block(block);
    }
    blocks_.clear();
    bytes_ = 0;
  }
  std::size_t bytes() const { return bytes_; }

 private:
  std::map<std::size_t, std::vector<void*>> blocks_;  // ordered: take_fitting looks upwards
  std::size_t bytes_ = 0;
};

}  // namespace vit
