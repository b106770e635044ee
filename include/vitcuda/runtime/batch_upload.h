#pragma once
// Moves a training loop's batches to the device without making the host wait. On cuda each batch
// is copied into a page-locked staging buffer and sent on a copy stream of its own, so the copy
// of the next batch overlaps the compute of this one (events order the two streams); the device
// buffers and staging buffers take turns, two of each. On the cpu upload() returns its input.
//
//   BatchUpload images(device), labels(device);
//   for (data::Batch& batch : loader.epoch(e)) {
//     Tensor x = images.upload(batch.images), y = labels.upload(batch.labels);   // queued
//     ...forward, backward, step on x and y...
//   }
//
// A returned tensor holds one of the device buffers: work queued before the upload after next
// may use it; later the buffer takes another batch. The host batch may be reused at once.
#include "vitcuda/runtime/tensor.h"

namespace vit {

namespace cuda {
struct UploadSlots;  // runtime/cuda/batch_upload.h
}

class BatchUpload {
 public:
  explicit BatchUpload(Device device);
  ~BatchUpload();
  BatchUpload(const BatchUpload&) = delete;
  BatchUpload& operator=(const BatchUpload&) = delete;

  Tensor upload(const Tensor& host);

 private:
  Device device_;
  cuda::UploadSlots* slots_ = nullptr;  // cuda only
};

}  // namespace vit
