// The CUDA runtime calls vitcuda makes, defined for the interpreter build against the toolkit's
// own declarations (cuda_runtime_api.h), on host memory: allocations are 256-byte aligned like
// cudaMalloc's and poisoned past their size (memcheck.h), streams are tokens, and launches finish before they return, so copies, memsets
// and synchronisations are plain host operations; events record the host clock.
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "runtime/simt/memcheck.h"
#include "runtime/simt/toolkit.h"

struct CUstream_st {};
struct CUevent_st {
  std::chrono::steady_clock::time_point time;
};

namespace {
constexpr std::size_t kAlignment = 256;
}

cudaError_t cudaMalloc(void** pointer, size_t bytes) {
  if (pointer == nullptr) return cudaErrorInvalidValue;
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  *pointer = rounded == 0 ? nullptr : std::aligned_alloc(kAlignment, rounded);
  if (rounded != 0 && *pointer == nullptr) return cudaErrorMemoryAllocation;
  if (*pointer != nullptr) vit::simt::device_block_handed_out(*pointer, bytes, rounded);
  return cudaSuccess;
}

cudaError_t cudaFree(void* pointer) {
  if (pointer != nullptr) vit::simt::device_block_freed(pointer);
  std::free(pointer);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* destination, const void* source, size_t bytes, cudaMemcpyKind) {
  if (bytes != 0 && (destination == nullptr || source == nullptr)) return cudaErrorInvalidValue;
  if (bytes != 0) std::memmove(destination, source, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* destination, const void* source, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t) {
  return cudaMemcpy(destination, source, bytes, kind);
}

cudaError_t cudaMemset(void* destination, int value, size_t bytes) {
  if (bytes != 0 && destination == nullptr) return cudaErrorInvalidValue;
  if (bytes != 0) std::memset(destination, value, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* destination, int value, size_t bytes, cudaStream_t) {
  return cudaMemset(destination, value, bytes);
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  if (stream == nullptr) return cudaErrorInvalidValue;
  *stream = new CUstream_st;
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  delete stream;
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  if (event == nullptr) return cudaErrorInvalidValue;
  *event = new CUevent_st;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t) {
  if (event == nullptr) return cudaErrorInvalidValue;
  event->time = std::chrono::steady_clock::now();
  return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }

cudaError_t cudaEventElapsedTime(float* milliseconds, cudaEvent_t start, cudaEvent_t end) {
  if (milliseconds == nullptr || start == nullptr || end == nullptr) return cudaErrorInvalidValue;
  *milliseconds = std::chrono::duration<float, std::milli>(end->time - start->time).count();
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceCount(int* count) {
  if (count == nullptr) return cudaErrorInvalidValue;
  *count = 1;  // the interpreter
  return cudaSuccess;
}

cudaError_t cudaGetLastError() { return cudaSuccess; }  // interpreter launch errors throw directly

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    default: return "unknown error";
  }
}
