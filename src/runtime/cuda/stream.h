#pragma once
// An owned CUDA stream. In the interpreter every launch completes before it returns, so a stream
// only orders work on a real GPU.
#include "runtime/cuda/cuda_api.h"

namespace vit::cuda {

class Stream {
 public:
  Stream();
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  cudaStream_t get() const { return stream_; }
  void synchronize() const;

 private:
  cudaStream_t stream_ = nullptr;
};

}  // namespace vit::cuda
