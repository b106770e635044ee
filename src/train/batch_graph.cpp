#include "vitcuda/train/batch_graph.h"

namespace vit::train {

void BatchGraph::replay(const Tensor& images, const Tensor& labels, const Step& step) {
  if (graph_ == nullptr) {
    images_ = Tensor::empty(images.shape(), images.dtype(), images.device());
    labels_ = Tensor::empty(labels.shape(), labels.dtype(), labels.device());
    graph_ = std::make_unique<CudaGraph>([&] { step(images_, labels_); });
  }
  images_.copy_from(images);
  labels_.copy_from(labels);
  graph_->replay();
}

}  // namespace vit::train
