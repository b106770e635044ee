#pragma once
// What the CUDA backend runs on: a real GPU (VIT_CUDA=ON) or the SIMT interpreter (SIM), and the
// peak rates the benchmarks compare against.
#include <string>

#include "runtime/cuda_backend.h"

namespace vit::cuda {

struct DeviceInfo {
  std::string name;
  bool interpreter = false;
  int multiprocessors = 0;
  double peak_bytes_per_second = 0;        // DRAM; 0 when unknown (the interpreter)
  double peak_f32_flops = 0;               // CUDA cores, FMA = 2 FLOPs; 0 when unknown
  double peak_bf16_tensor_flops = 0;       // dense tensor cores; 0 when unknown
};

bool device_available();  // false, without throwing, when no GPU (or driver) is present
DeviceInfo device_info();  // of the current device; throws vit::Error when none is present
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
VIT_CUDA_FN(void use_device(int ordinal))  // see vit::use_cuda_device (declared in every build)
#pragma GCC diagnostic pop

}  // namespace vit::cuda
