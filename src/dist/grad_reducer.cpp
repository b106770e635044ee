// Buckets of gradients, sent in a fixed order as the backward walk completes them. A parameter's
// gradient is complete when its slot has accumulated since begin(): every trainable parameter of
// the model is used once in a forward. A bucket is packed into one flat f32 tensor (one
// collective per bucket instead of one per parameter), reduced, and unpacked after the walk.
#include "vitcuda/dist/grad_reducer.h"

#include "vitcuda/runtime/check.h"

namespace vit::dist {

GradReducer::GradReducer(ProcessGroup& group, const std::vector<NamedTensor>& params, std::size_t bucket_bytes)
    : group_(group) {
  for (auto param = params.rbegin(); param != params.rend(); ++param) {
    if (!param->tensor.requires_grad()) continue;  // frozen: no gradient to reduce
    VIT_CHECK(param->tensor.dtype() == DType::f32, "the gradient reducer takes f32 parameters; '", param->name, "' is ",
              dtype_name(param->tensor.dtype()), ".");
    VIT_CHECK(params_.empty() || param->tensor.device() == params_.front().tensor.device(),
              "the gradient reducer takes parameters on one device; '", param->name, "' is on ",
              param->tensor.device().str(), ".");
    params_.push_back(*param);
  }
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (buckets_.empty() || bytes >= bucket_bytes) {
      buckets_.emplace_back();
      bytes = 0;
    }
    buckets_.back().params.push_back(i);
    bytes += params_[i].tensor.nbytes();
  }
  if (!group_.distributed()) return;  // nothing to send: no bucket memory
  for (Bucket& bucket : buckets_) {
    std::int64_t elements = 0;
    for (const std::size_t i : bucket.params) elements += params_[i].tensor.numel();
    bucket.flat = Tensor::empty({elements}, DType::f32, params_.front().tensor.device());
  }
}

void GradReducer::begin() {
  before_.resize(params_.size());
  for (std::size_t i = 0; i < params_.size(); ++i) before_[i] = params_[i].tensor.grad_slot().accumulations();
  sent_.assign(params_.size(), 0);
  next_bucket_ = 0;
  walking_ = true;
}

bool GradReducer::ready(const Bucket& bucket) const {
  for (const std::size_t i : bucket.params) {
    if (params_[i].tensor.grad_slot().accumulations() == before_[i]) return false;
  }
  return true;
}

void GradReducer::on_backward_progress() {
  if (!walking_ || !group_.distributed()) return;
  while (next_bucket_ < buckets_.size() && ready(buckets_[next_bucket_])) send(buckets_[next_bucket_++]);
}

void GradReducer::send(Bucket& bucket) {
  std::int64_t offset = 0;
  for (const std::size_t i : bucket.params) {
    const Tensor& param = params_[i].tensor;
    const std::int64_t n = param.numel();
    bucket.flat.slice(offset, offset + n).copy_from(param.grad().reshape({n}));
    sent_[i] = param.grad_slot().accumulations();
    offset += n;
  }
  group_.all_reduce_mean(bucket.flat);
}

void GradReducer::unpack(const Bucket& bucket) {
  std::int64_t offset = 0;
  for (const std::size_t i : bucket.params) {
    const Tensor& param = params_[i].tensor;
    const std::int64_t n = param.numel();
    VIT_CHECK(param.grad_slot().accumulations() == sent_[i], "parameter '", params_[i].name,
              "' got a gradient after its bucket was sent: it is used twice in a forward, which the data-parallel "
              "reducer does not support.");
    param.grad().copy_from(bucket.flat.slice(offset, offset + n).reshape(param.shape()));
    offset += n;
  }
}

void GradReducer::finish() {
  VIT_CHECK(walking_, "GradReducer::finish() without begin().");
  walking_ = false;
  if (!group_.distributed()) return;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    VIT_CHECK(params_[i].tensor.grad_slot().accumulations() != before_[i], "parameter '", params_[i].name,
              "' got no gradient in this backward: every trainable parameter must take part in the forward of a "
              "data-parallel run (freeze it otherwise).");
  }
  while (next_bucket_ < buckets_.size()) send(buckets_[next_bucket_++]);
  group_.wait();
  for (const Bucket& bucket : buckets_) unpack(bucket);
}

}  // namespace vit::dist
