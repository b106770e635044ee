#pragma once
// The CUDA side of vit::BatchUpload (include/vitcuda/runtime/batch_upload.h): the copy stream,
// two slots of page-locked staging buffer plus device tensor, and the events between them.
#include "runtime/cuda_backend.h"
#include "vitcuda/runtime/tensor.h"

namespace vit::cuda {

struct UploadSlots;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
VIT_CUDA_FN(UploadSlots* create_upload_slots())
VIT_CUDA_FN(void destroy_upload_slots(UploadSlots* slots))  // waits for the copies in flight
VIT_CUDA_FN(Tensor upload_batch(UploadSlots& slots, const Tensor& host))
#pragma GCC diagnostic pop

}  // namespace vit::cuda
