#include "vitcuda/runtime/batch_upload.h"

#include "runtime/cuda/batch_upload.h"

namespace vit {

BatchUpload::BatchUpload(Device device) : device_(device) {
  if (device.is_cuda()) slots_ = cuda::create_upload_slots();
}

BatchUpload::~BatchUpload() {
  if (slots_ != nullptr) cuda::destroy_upload_slots(slots_);
}

Tensor BatchUpload::upload(const Tensor& host) {
  VIT_CHECK(host.defined() && host.device().is_cpu(), "BatchUpload takes batches in host memory.");
  return slots_ == nullptr ? host : cuda::upload_batch(*slots_, host);
}

}  // namespace vit
