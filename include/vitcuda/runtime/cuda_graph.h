#pragma once
// A CUDA graph of the work a function queues on the cuda backend's stream: captured once (the
// function runs on the host, its kernels are recorded, none executes) and replayed with one launch
// and no host work per kernel. The function must not wait for the device (item(), to(cpu) and
// synchronisations fail the capture), and everything that changes from replay to replay (the
// batch, a learning rate, a step count) must be read by its kernels from device memory that the
// caller rewrites before each replay: the kernels' arguments are frozen. The memory its tensors
// get stays reserved for the graph, freed or not, until the graph is destroyed. In the interpreter
// build the graph is a recording of the launches, replayed in order.
//
//   optimizer.begin_step();                      // eager first: makes state, fills caches
//   CudaGraph step([&] { ...forward, backward, optimizer.run_step(), zero_grad... });
//   for (...) { copy the batch into the graph's input; optimizer.begin_step(); step.replay(); }
#include <functional>

namespace vit {

namespace cuda {
struct GraphState;  // runtime/cuda/graph.h
}

class CudaGraph {
 public:
  explicit CudaGraph(const std::function<void()>& record);
  ~CudaGraph();  // waits for the replays in flight
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  void replay() const;  // queued on the compute stream: the host does not wait
  // True while this thread runs a function being captured: code that writes per-step numbers to
  // the device itself (ViT's dropout seed) leaves that to its caller, before each replay.
  static bool capturing();

 private:
  cuda::GraphState* state_;
};

}  // namespace vit
