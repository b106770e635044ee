// CUDA graphs of the compute stream. Capture runs in relaxed mode: the caching allocator may call
// cudaMalloc for the graph's pool while the stream is captured (the stream itself still refuses
// synchronisations), and the pool keeps every block the graph's kernels use.
#include "runtime/cuda/graph.h"

#include <cstdio>
#include <memory>

#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/compute_stream.h"
#include "runtime/cuda/cuda_api.h"

namespace vit::cuda {

struct GraphState {
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  GraphPool* pool = nullptr;
};

GraphState* capture_graph(const std::function<void()>& record) {
  auto state = std::make_unique<GraphState>();
  const cudaStream_t stream = compute_stream();
  CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed));
  state->pool = begin_graph_pool();
  try {
    record();
  } catch (...) {  // end the capture, so the stream works again, and hand the pool back
    end_graph_pool();
    cudaGraph_t broken = nullptr;
    (void)cudaStreamEndCapture(stream, &broken);
    if (broken != nullptr) (void)cudaGraphDestroy(broken);
    release_graph_pool(state->pool);
    throw;
  }
  end_graph_pool();
  CUDA_CHECK(cudaStreamEndCapture(stream, &state->graph));
  CUDA_CHECK(cudaGraphInstantiate(&state->exec, state->graph, 0));
  return state.release();
}

void replay_graph(const GraphState& graph) { CUDA_CHECK(cudaGraphLaunch(graph.exec, compute_stream())); }

void destroy_graph(GraphState* graph) {
  const cudaError_t status = cudaStreamSynchronize(compute_stream());  // no replay may still use the pool
  if (status != cudaSuccess)
    std::fprintf(stderr, "vitcuda: waiting for a CUDA graph failed: %s\n", cudaGetErrorString(status));
  if (graph->exec != nullptr) (void)cudaGraphExecDestroy(graph->exec);
  if (graph->graph != nullptr) (void)cudaGraphDestroy(graph->graph);
  release_graph_pool(graph->pool);
  delete graph;
}

}  // namespace vit::cuda
