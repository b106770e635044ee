// Device memory helpers: thin checked wrappers of the CUDA runtime (or the interpreter's), on the
// compute stream.
#include "runtime/cuda/memory.h"

#include <cstdio>

#include "runtime/cuda/compute_stream.h"
#include "runtime/cuda/cuda_api.h"
#include "runtime/cuda/device_fault.h"

namespace vit::cuda {

void* device_alloc(std::size_t bytes) {
  void* pointer = nullptr;
  if (bytes == 0) return nullptr;
  const cudaError_t status = cudaMalloc(&pointer, bytes);
  VIT_CHECK(status != cudaErrorMemoryAllocation, "out of GPU memory allocating ", bytes, " bytes (",
            cudaGetErrorString(status), "): use a smaller batch size.");
  VIT_CHECK(status == cudaSuccess, "cannot allocate ", bytes, " bytes on the GPU: ", cudaGetErrorString(status),
            " (is a CUDA device present and its driver new enough? --device cpu runs without one).");
  return pointer;
}

void device_free(void* pointer) noexcept {
  if (pointer == nullptr) return;
  const cudaError_t status = cudaFree(pointer);
  if (status != cudaSuccess) std::fprintf(stderr, "vitcuda: cudaFree failed: %s\n", cudaGetErrorString(status));
}

void copy_to_device(void* device_destination, const void* host_source, std::size_t bytes) {
  CUDA_CHECK(cudaMemcpyAsync(device_destination, host_source, bytes, cudaMemcpyHostToDevice, compute_stream()));
}

void copy_to_host(void* host_destination, const void* device_source, std::size_t bytes) {
  CUDA_CHECK(cudaMemcpyAsync(host_destination, device_source, bytes, cudaMemcpyDeviceToHost, compute_stream()));
  CUDA_CHECK(cudaStreamSynchronize(compute_stream()));
  raise_device_fault();  // the host waited for the device: a bad input is known now
}

void fill_device_bytes(void* device_destination, unsigned char byte, std::size_t bytes) {
  CUDA_CHECK(cudaMemsetAsync(device_destination, byte, bytes, compute_stream()));
}

}  // namespace vit::cuda
