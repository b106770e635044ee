#pragma once
// The CUDA side of vit::CudaGraph (include/vitcuda/runtime/cuda_graph.h): stream capture on the
// compute stream with the allocator's graph pool, instantiation, replay.
#include <functional>

#include "runtime/cuda_backend.h"

namespace vit::cuda {

struct GraphState;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
VIT_CUDA_FN(GraphState* capture_graph(const std::function<void()>& record))
VIT_CUDA_FN(void replay_graph(const GraphState& graph))
VIT_CUDA_FN(void destroy_graph(GraphState* graph))
#pragma GCC diagnostic pop

}  // namespace vit::cuda
