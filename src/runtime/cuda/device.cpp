// Device queries. Peak FLOP rates are SMs x clock x per-SM throughput of the architecture
// (FMA lanes for float32, dense tensor-core FMAs for bf16); DRAM bandwidth is
// 2 (double data rate) x memory clock x bus width.
#include "runtime/cuda/device.h"

#include "runtime/cuda/cuda_api.h"

namespace vit::cuda {

bool device_available() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

#if VIT_CUDA_SIM

void use_device(int) {}  // the interpreter is one device per process, host memory

DeviceInfo device_info() {
  DeviceInfo info;
  info.name = "SIMT interpreter on the host CPU";
  info.interpreter = true;
  return info;
}

#else

void use_device(int ordinal) {
  int count = 0;
  CUDA_CHECK(cudaGetDeviceCount(&count));
  VIT_CHECK(ordinal >= 0 && ordinal < count, "this process should use GPU ", ordinal,
            " (its local rank), but the machine shows ", count, " GPU(s): start at most ", count,
            " processes per machine.");
  CUDA_CHECK(cudaSetDevice(ordinal));
}

namespace {

struct PerSm {
  int f32_fma, bf16_tensor_fma;  // per SM per clock
};

PerSm per_sm_throughput(int major, int minor) {
  if (major == 9) return {128, 2048};
  if (major == 8 && minor == 0) return {64, 1024};
  if (major == 8) return {128, 512};
  if (major >= 10) return {128, 4096};
  return {64, 0};
}

int attribute(cudaDeviceAttr which, int device) {
  int value = 0;
  CUDA_CHECK(cudaDeviceGetAttribute(&value, which, device));
  return value;
}

}  // namespace

DeviceInfo device_info() {
  int device = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp properties{};
  CUDA_CHECK(cudaGetDeviceProperties(&properties, device));
  const double clock_hz = attribute(cudaDevAttrClockRate, device) * 1e3;
  const double memory_clock_hz = attribute(cudaDevAttrMemoryClockRate, device) * 1e3;
  const double bus_bytes = attribute(cudaDevAttrGlobalMemoryBusWidth, device) / 8.0;
  const PerSm per_sm = per_sm_throughput(properties.major, properties.minor);
  DeviceInfo info;
  info.name = properties.name;
  info.multiprocessors = properties.multiProcessorCount;
  info.peak_bytes_per_second = 2.0 * memory_clock_hz * bus_bytes;
  info.peak_f32_flops = 2.0 * per_sm.f32_fma * info.multiprocessors * clock_hz;
  info.peak_bf16_tensor_flops = 2.0 * per_sm.bf16_tensor_fma * info.multiprocessors * clock_hz;
  return info;
}

#endif

}  // namespace vit::cuda
