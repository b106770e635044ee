#include "vitcuda/runtime/cuda_graph.h"

#include "runtime/cuda/graph.h"

namespace vit {

CudaGraph::CudaGraph(const std::function<void()>& record) : state_(cuda::capture_graph(record)) {}

CudaGraph::~CudaGraph() { cuda::destroy_graph(state_); }

void CudaGraph::replay() const { cuda::replay_graph(*state_); }

}  // namespace vit
