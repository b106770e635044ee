#include "vitcuda/runtime/cuda_graph.h"

#include "runtime/cuda/graph.h"

namespace vit {

namespace {

thread_local bool t_capturing = false;

}  // namespace

CudaGraph::CudaGraph(const std::function<void()>& record) : state_(nullptr) {
  t_capturing = true;
  try {
    state_ = cuda::capture_graph(record);
  } catch (...) {
    t_capturing = false;
    throw;
  }
  t_capturing = false;
}

bool CudaGraph::capturing() { return t_capturing; }

CudaGraph::~CudaGraph() { cuda::destroy_graph(state_); }

void CudaGraph::replay() const { cuda::replay_graph(*state_); }

}  // namespace vit
