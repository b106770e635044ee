#include "vitcuda/runtime/device.h"

#include <string>

#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/device.h"

namespace vit {

std::string Device::str() const { return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index); }

DeviceMemory device_memory(Device device) {
  if (device.is_cpu()) return {};
  const cuda::AllocatorStats stats = cuda::allocator_stats();
  return {stats.in_use_bytes, stats.peak_in_use_bytes, stats.cached_bytes};
}

void use_cuda_device(int ordinal) { cuda::use_device(ordinal); }

}  // namespace vit
