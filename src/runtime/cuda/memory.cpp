// Device memory helpers: thin checked wrappers of the CUDA runtime (or the interpreter's).
#include "runtime/cuda/memory.h"

#include <cstdio>

#include "runtime/cuda/cuda_api.h"

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
  CUDA_CHECK(cudaMemcpy(device_destination, host_source, bytes, cudaMemcpyHostToDevice));
}

void copy_to_host(void* host_destination, const void* device_source, std::size_t bytes) {
  CUDA_CHECK(cudaMemcpy(host_destination, device_source, bytes, cudaMemcpyDeviceToHost));
}

void fill_device_bytes(void* device_destination, unsigned char byte, std::size_t bytes) {
  CUDA_CHECK(cudaMemset(device_destination, byte, bytes));
}

}  // namespace vit::cuda
