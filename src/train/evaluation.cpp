#include "vitcuda/train/evaluation.h"

#include "vitcuda/ops.h"
#include "vitcuda/runtime/batch_upload.h"

namespace vit::train {

Evaluator::Evaluator(ViT& model, data::Loader& loader, float label_smoothing, bool cuda_graph,
                     dist::ProcessGroup* group)
    : model_(model),
      loader_(loader),
      label_smoothing_(label_smoothing),
      cuda_graph_(cuda_graph && model.cls_token.device().is_cuda()),
      group_(group),
      losses_(model.cls_token.device()),
      predictions_(model.cls_token.device(), model.config().num_classes) {}

void Evaluator::forward(const Tensor& images, const Tensor& labels) {
  Tape tape;
  const Tensor logits = model_.forward(images, tape);
  losses_.add(cross_entropy_and_correct(logits, labels, label_smoothing_, tape), labels.numel());
  predictions_.add(logits, labels);
}

EvalResult Evaluator::run() {
  const bool was_training = model_.training();
  model_.eval();
  NoGradGuard no_grad;
  const Device device = model_.cls_token.device();
  losses_.reset();
  predictions_.reset();
  BatchUpload image_upload(device), label_upload(device);
  std::int64_t images = 0;
  for (data::Batch& batch : loader_.epoch(0)) {
    const Tensor labels = label_upload.upload(batch.labels), pixels = image_upload.upload(batch.images);
    const bool graph_shape = graph_.captured() ? graph_.fits(pixels) : pixels.shape() == warm_shape_;
    if (cuda_graph_ && graph_shape) {
      graph_.replay(pixels, labels, [&](const Tensor& x, const Tensor& y) { forward(x, y); });
    } else {
      forward(pixels, labels);
      if (cuda_graph_ && !graph_.captured()) warm_shape_ = pixels.shape();
    }
    images += labels.numel();
  }
  model_.train(was_training);
  LossTally::Sums sums = losses_.read();
  PredictionCounts::Counts counts = predictions_.read();
  if (group_ != nullptr && group_->distributed()) {  // the shards' sums: each image was counted once
    group_->all_reduce_sum(std::span<double>(&sums.loss_sum, 1));
    std::int64_t totals[] = {images, counts.top1, counts.top5};
    group_->all_reduce_sum(totals);
    group_->all_reduce_sum(counts.confusion);
    images = totals[0];
    counts.top1 = totals[1];
    counts.top5 = totals[2];
  }
  VIT_CHECK(images > 0, "the validation set produced no images (all corrupt?).");
  const int classes = model_.config().num_classes;
  const auto share = [images](std::int64_t count) { return static_cast<double>(count) / static_cast<double>(images); };
  EvalResult result{sums.loss_sum / static_cast<double>(images), share(counts.top1), share(counts.top5), images,
                    ConfusionMatrix(classes)};
  for (int truth = 0; truth < classes; ++truth) {
    for (int predicted = 0; predicted < classes; ++predicted) {
      result.confusion.add(truth, predicted, counts.confusion[static_cast<std::size_t>(truth * classes + predicted)]);
    }
  }
  return result;
}

EvalResult evaluate(ViT& model, data::Loader& loader, float label_smoothing) {
  return Evaluator(model, loader, label_smoothing).run();
}

}  // namespace vit::train
