// Stream ownership: created and destroyed through the checked runtime calls.
#include "runtime/cuda/stream.h"

#include <cstdio>

namespace vit::cuda {

Stream::Stream() { CUDA_CHECK(cudaStreamCreate(&stream_)); }

Stream::~Stream() {
  const cudaError_t status = cudaStreamDestroy(stream_);
  if (status != cudaSuccess) std::fprintf(stderr, "vitcuda: cudaStreamDestroy failed: %s\n", cudaGetErrorString(status));
}

void Stream::synchronize() const { CUDA_CHECK(cudaStreamSynchronize(stream_)); }

}  // namespace vit::cuda
