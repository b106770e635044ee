#pragma once
// The caching allocator behind cuda tensors. A training step allocates the same activations and
// gradients every step; cudaMalloc/cudaFree synchronise the device and cost far more than the
// kernels of a small step. Sizes are rounded to classes (512-byte steps below 1 MiB; above, 64
// classes per power of two, at least 1 MiB apart: 1.6% rounding at most from 64 MiB, where ViT-B's
// activations are), freed blocks go to free lists by class, and a request takes a cached block of
// its class, else the smallest cached one up to twice its size (so the smaller last batch of an
// epoch reuses the full batches' blocks instead of growing a second pool), else cudaMalloc. The
// steady state calls neither. All work runs on one stream, so a block freed on the host may be
// reused at once: the stream orders the old kernels before the new ones. Thread-safe. In the
// interpreter build "device" memory is the interpreter's host memory (its cudaMalloc), and every
// block handed out is filled with NaN bytes, so a test sees an output element an op forgot to write.
#include <cstddef>

#include "runtime/cuda_backend.h"

namespace vit::cuda {

struct AllocatorStats {
  std::size_t device_allocations = 0;  // cudaMalloc calls so far
  std::size_t in_use_bytes = 0;        // bytes handed out and not yet released, and kept by CUDA graphs
  std::size_t cached_bytes = 0;        // rounded bytes on the free lists
  std::size_t peak_in_use_bytes = 0;   // the most in_use_bytes since the last reset_peak_in_use()
};

// A CUDA graph's memory (runtime/cuda/graph.h). While a thread captures a graph, its allocations
// come from the graph's pool (its free blocks first, then the shared cache's, then cudaMalloc),
// and each block the pool takes stays reserved for the graph, handed out or free, until
// release_graph_pool: every replay writes those blocks again, whatever the host freed since.
struct GraphPool;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
VIT_CUDA_FN(void* cached_allocate(std::size_t bytes))  // retries once after empty_cache() when out of memory
VIT_CUDA_FN(void cached_release(void* data))           // a pointer cached_allocate returned
VIT_CUDA_FN(void empty_cache())  // gives every cached block back to the device
VIT_CUDA_FN(AllocatorStats allocator_stats())
VIT_CUDA_FN(void reset_peak_in_use())  // the peak starts again from what is in use now
VIT_CUDA_FN(GraphPool* begin_graph_pool())             // this thread allocates from a new graph pool...
VIT_CUDA_FN(void end_graph_pool())                     // ...and from the shared cache again
VIT_CUDA_FN(void release_graph_pool(GraphPool* pool))  // its blocks go back to the shared cache
#pragma GCC diagnostic pop

}  // namespace vit::cuda
