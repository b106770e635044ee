#pragma once
// A step over one batch (images and labels on the device) captured in a CUDA graph that reads the
// batch from buffers of its own. replay() copies a batch into them (on the device: nothing waits)
// and replays the graph; its first call captures `step` over those buffers (a capture runs
// nothing). The training loop and the evaluator replay their batches this way.
#include <functional>
#include <memory>

#include "vitcuda/runtime/cuda_graph.h"
#include "vitcuda/runtime/tensor.h"

namespace vit::train {

class BatchGraph {
 public:
  using Step = std::function<void(const Tensor& images, const Tensor& labels)>;

  void replay(const Tensor& images, const Tensor& labels, const Step& step);
  bool captured() const { return graph_ != nullptr; }
  // The batch has the shape the graph was captured for.
  bool fits(const Tensor& images) const { return captured() && images.shape() == images_.shape(); }

 private:
  Tensor images_, labels_;            // the graph's input
  std::unique_ptr<CudaGraph> graph_;  // last: destroyed first
};

}  // namespace vit::train
