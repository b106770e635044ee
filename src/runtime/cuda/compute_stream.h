#pragma once
// The one stream every op, copy and gradient accumulation of the CUDA backend runs on: the
// default stream, so work stays in program order and the caching allocator may reuse a freed
// block at once. A training loop with its own streams (data upload overlap) comes later.
#include "runtime/cuda/cuda_api.h"

namespace vit::cuda {

inline cudaStream_t compute_stream() { return nullptr; }

}  // namespace vit::cuda
