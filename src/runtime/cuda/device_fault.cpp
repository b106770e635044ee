#include "runtime/cuda/device_fault.h"

#include <atomic>
#include <mutex>

#include "runtime/cuda/compute_stream.h"
#include "runtime/cuda/cuda_api.h"
#include "runtime/cuda/memory.h"

namespace vit::cuda {

namespace {

std::atomic<DeviceFault*> g_record{nullptr};  // never freed: kernels may run until the process exits

}  // namespace

DeviceFault* device_fault_record() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto* record = static_cast<DeviceFault*>(device_alloc(sizeof(DeviceFault)));
    fill_device_bytes(record, 0, sizeof(DeviceFault));
    g_record.store(record);
  });
  return g_record.load();
}

void raise_device_fault() {
  DeviceFault* record = g_record.load();
  if (record == nullptr) return;
  DeviceFault fault{};
  CUDA_CHECK(cudaMemcpyAsync(&fault, record, sizeof(fault), cudaMemcpyDeviceToHost, compute_stream()));
  CUDA_CHECK(cudaStreamSynchronize(compute_stream()));
  if (fault.kind == static_cast<std::int32_t>(FaultKind::none)) return;
  fill_device_bytes(record, 0, sizeof(DeviceFault));
  switch (static_cast<FaultKind>(fault.kind)) {
    case FaultKind::label_out_of_range:
      VIT_FAIL("cross_entropy: label ", fault.values[0], " of sample ", fault.values[1], " is outside the ",
               fault.values[2], " classes.");
    default:
      VIT_FAIL("a kernel reported an unknown fault (kind ", fault.kind, ").");
  }
}

}  // namespace vit::cuda
