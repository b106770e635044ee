#pragma once
// The device side of device_fault.h: a kernel that finds a bad input records it (the first report
// of all wins; later ones are dropped) and goes on without reading out of bounds.
#include "runtime/cuda/device_fault.h"
#include "runtime/cuda/launch.cuh"

namespace vit::cuda {

__device__ __forceinline__ void report_fault(DeviceFault* record, FaultKind kind, std::int64_t a, std::int64_t b,
                                             std::int64_t c) {
  if (atomicCAS(&record->kind, 0, static_cast<std::int32_t>(kind)) != 0) return;
  record->values[0] = a;
  record->values[1] = b;
  record->values[2] = c;
}

}  // namespace vit::cuda
