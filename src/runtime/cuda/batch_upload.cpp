// vit::BatchUpload on cuda. Upload k fills slot k % 2:
//   - the compute stream marks `released` on the other slot (batch k-1): all the work that reads
//     it is queued by now, since the caller asks for batch k after queuing batch k-1's step;
//   - before slot k % 2 takes a new batch, its previous copy must have left the staging buffer
//     (`copied`, long done in the steady state: the host only asks, it does not wait) and the
//     copy stream waits on the device for `released` of its previous batch (k-2);
//   - the host copies the batch into the page-locked staging buffer, the copy stream sends it
//     (cudaMemcpyAsync from pinned memory: the host does not wait) and marks `copied`, and the
//     compute stream waits for `copied` before the step that reads it.
// So the upload of batch k+1 overlaps the compute of batch k, and no host thread waits.
#include "runtime/cuda/batch_upload.h"

#include <cstdio>
#include <cstring>

#include "runtime/cuda/compute_stream.h"
#include "runtime/cuda/stream.h"

namespace vit::cuda {

namespace {

cudaEvent_t make_event() {
  cudaEvent_t event = nullptr;
  CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  return event;
}

}  // namespace

struct UploadSlot {
  void* staging = nullptr;  // page-locked
  std::size_t staging_bytes = 0;
  Tensor device;
  cudaEvent_t copied = make_event(), released = make_event();
  bool filled = false;  // has taken a batch: its events are recorded
};

namespace {

// The staging buffer may be written once the copy that last read it has finished.
void wait_for_copy(const UploadSlot& slot) {
  const cudaError_t status = cudaEventQuery(slot.copied);
  if (status == cudaErrorNotReady) {
    CUDA_CHECK(cudaEventSynchronize(slot.copied));
  } else {
    CUDA_CHECK(status);
  }
}

}  // namespace

struct UploadSlots {
  Stream copy_stream;
  UploadSlot slots[2];
  int next = 0;
};

UploadSlots* create_upload_slots() { return new UploadSlots; }

void destroy_upload_slots(UploadSlots* slots) {
  try {
    slots->copy_stream.synchronize();
  } catch (const std::exception& e) {  // a destructor cannot throw: report and free what it can
    std::fprintf(stderr, "vitcuda: %s\n", e.what());
  }
  for (UploadSlot& slot : slots->slots) {
    if (slot.staging != nullptr) (void)cudaFreeHost(slot.staging);
    (void)cudaEventDestroy(slot.copied);
    (void)cudaEventDestroy(slot.released);
  }
  delete slots;
}

Tensor upload_batch(UploadSlots& slots, const Tensor& host) {
  const cudaStream_t compute = compute_stream(), copy = slots.copy_stream.get();
  UploadSlot& previous = slots.slots[1 - slots.next];
  if (previous.filled) CUDA_CHECK(cudaEventRecord(previous.released, compute));
  UploadSlot& slot = slots.slots[slots.next];
  slots.next = 1 - slots.next;

  const std::size_t bytes = host.nbytes();
  if (slot.filled) {
    wait_for_copy(slot);
    CUDA_CHECK(cudaStreamWaitEvent(copy, slot.released, 0));
  }
  if (slot.staging_bytes < bytes) {
    if (slot.staging != nullptr) CUDA_CHECK(cudaFreeHost(slot.staging));
    slot.staging = nullptr;
    slot.staging_bytes = 0;
    CUDA_CHECK(cudaHostAlloc(&slot.staging, bytes, cudaHostAllocDefault));
    slot.staging_bytes = bytes;
  }
  if (!slot.device.defined() || slot.device.shape() != host.shape() || slot.device.dtype() != host.dtype()) {
    slot.device = Tensor::empty(host.shape(), host.dtype(), Device::cuda());
    // A block fresh from the caching allocator may still be read by queued compute work.
    CUDA_CHECK(cudaEventRecord(slot.released, compute));
    CUDA_CHECK(cudaStreamWaitEvent(copy, slot.released, 0));
  }
  std::memcpy(slot.staging, host.raw_data(), bytes);
  CUDA_CHECK(cudaMemcpyAsync(slot.device.raw_data(), slot.staging, bytes, cudaMemcpyHostToDevice, copy));
  CUDA_CHECK(cudaEventRecord(slot.copied, copy));
  CUDA_CHECK(cudaStreamWaitEvent(compute, slot.copied, 0));
  slot.filled = true;
  return slot.device;
}

}  // namespace vit::cuda
