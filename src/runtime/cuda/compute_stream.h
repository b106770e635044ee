#pragma once
// The one stream every op, copy and gradient accumulation of the CUDA backend runs on, created by
// the runtime on first use and kept for the life of the process. Work stays in program order, so
// the caching allocator may reuse a freed block at once. Unlike the legacy NULL stream it can be
// captured into a CUDA graph; it is a blocking stream, so kernels a test launches on stream 0
// are still ordered with it.
#include "runtime/cuda/cuda_api.h"

namespace vit::cuda {

cudaStream_t compute_stream();

}  // namespace vit::cuda
