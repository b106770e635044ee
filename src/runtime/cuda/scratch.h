#pragma once
// Temporary device memory for a kernel launcher (partial sums and the like), from the caching
// allocator: no cudaMalloc in the steady state. It may be released as soon as the launches that
// use it are queued: all work runs on one stream, so the next owner's kernels run after them.
#include <cstddef>

#include "runtime/cuda/caching_allocator.h"

namespace vit::cuda {

template <typename T>
class Scratch {
 public:
  explicit Scratch(std::size_t count)
      : data_(static_cast<T*>(count == 0 ? nullptr : cached_allocate(count * sizeof(T)))) {}
  ~Scratch() {
    if (data_ != nullptr) cached_release(data_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* get() const { return data_; }

 private:
  T* data_;
};

}  // namespace vit::cuda
