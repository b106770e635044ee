#pragma once
// How many times host code has waited for the "device" of the interpreter build: the calls that
// block a real GPU's host thread (cudaMemcpy to or from the host, an async copy from pageable
// memory, stream, event and device synchronisation, cudaMalloc, cudaFree, pinning). The
// interpreter runs every launch to completion, so nothing waits here; the count is what a GPU
// would do, and tests use it to show that a training step never waits.
#include <cstdint>

namespace vit::simt {

std::int64_t host_synchronizations();

}  // namespace vit::simt
