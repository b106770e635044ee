// Stream ownership: created and destroyed through the checked runtime calls.
#include "runtime/cuda/stream.h"

#include "runtime/cuda/compute_stream.h"

#include <cstdio>

namespace vit::cuda {

Stream::Stream() { CUDA_CHECK(cudaStreamCreate(&stream_)); }

Stream::~Stream() {
  const cudaError_t status = cudaStreamDestroy(stream_);
  if (status != cudaSuccess) std::fprintf(stderr, "vitcuda: cudaStreamDestroy failed: %s\n", cudaGetErrorString(status));
}

void Stream::synchronize() const { CUDA_CHECK(cudaStreamSynchronize(stream_)); }

cudaStream_t compute_stream() {
  static const Stream* stream = new Stream;  // never destroyed: kernels may be queued at exit
  return stream->get();
}

}  // namespace vit::cuda
