#pragma once
// Evaluation of a model on a validation loader: loss, top-1, top-5 and the confusion matrix.
// Every batch only queues work on the model's device (BatchUpload, LossTally, PredictionCounts);
// the results are read once per pass. With a CUDA graph, batches of the shape seen first are
// replayed from a captured forward after the first of them.
#include <cstdint>
#include <memory>

#include "vitcuda/data/loader.h"
#include "vitcuda/dist/process_group.h"
#include "vitcuda/layers/vit.h"
#include "vitcuda/ops/loss.h"
#include "vitcuda/train/batch_graph.h"
#include "vitcuda/train/confusion.h"

namespace vit::train {

struct EvalResult {
  double loss, top1, top5;  // accuracies as fractions
  std::int64_t images;
  ConfusionMatrix confusion;  // of the top-1 predictions
};

// Passes over one loader, e.g. one per epoch: the graph and the device sums are kept between them.
class Evaluator {
 public:
  // cuda_graph: replay batches of one shape from a CUDA graph (cuda models only). With a group of
  // several processes, each passes over its shard (the loader's) and the sums are added up over
  // the group: every process gets the result of the whole set.
  Evaluator(ViT& model, data::Loader& loader, float label_smoothing, bool cuda_graph = false,
            dist::ProcessGroup* group = nullptr);
  // One pass in eval mode without recording gradients; the model's mode is restored after.
  EvalResult run();

 private:
  void forward(const Tensor& images, const Tensor& labels);  // queues the loss and counts of a batch

  ViT& model_;
  data::Loader& loader_;
  float label_smoothing_;
  bool cuda_graph_;
  dist::ProcessGroup* group_;
  LossTally losses_;
  PredictionCounts predictions_;
  Shape warm_shape_;  // an eager batch ran at this shape: the next one captures
  BatchGraph graph_;  // last: destroyed first
};

// Loss (with the given label smoothing), top-1 and top-5 accuracy of `model` over one pass of
// `loader`, in eval mode and without recording gradients.
EvalResult evaluate(ViT& model, data::Loader& loader, float label_smoothing);

}  // namespace vit::train
