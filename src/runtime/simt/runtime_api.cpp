// The CUDA runtime calls vitcuda makes, defined for the interpreter build against the toolkit's
// own declarations (cuda_runtime_api.h), on host memory: allocations are 256-byte aligned like
// cudaMalloc's and poisoned past their size (memcheck.h), streams are tokens, and launches finish
// before they return, so copies, memsets and synchronisations are plain host operations; events
// record the host clock. Every call that makes a real GPU's host thread wait is counted
// (host_sync.h), so tests can show that a training step never waits.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "runtime/simt/host_sync.h"
#include "runtime/simt/memcheck.h"
#include "runtime/simt/toolkit.h"

struct CUstream_st {};
struct CUevent_st {
  std::chrono::steady_clock::time_point time;
};

namespace {

constexpr std::size_t kAlignment = 256;

std::atomic<std::int64_t> g_host_synchronizations{0};
void host_waits() { g_host_synchronizations.fetch_add(1, std::memory_order_relaxed); }

// Page-locked host allocations (cudaHostAlloc) by address: an async copy from or to other host
// memory waits on a GPU, so it counts as a synchronisation.
std::mutex g_pinned_mutex;
std::map<const char*, std::size_t> g_pinned;

bool is_pinned(const void* pointer, std::size_t bytes) {
  const auto* address = static_cast<const char*>(pointer);
  std::lock_guard<std::mutex> lock(g_pinned_mutex);
  auto it = g_pinned.upper_bound(address);
  if (it == g_pinned.begin()) return false;
  --it;
  return address + bytes <= it->first + it->second;
}

}  // namespace

namespace vit::simt {
std::int64_t host_synchronizations() { return g_host_synchronizations.load(std::memory_order_relaxed); }
}  // namespace vit::simt

cudaError_t cudaMalloc(void** pointer, size_t bytes) {
  if (pointer == nullptr) return cudaErrorInvalidValue;
  host_waits();  // may synchronise the device
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  *pointer = rounded == 0 ? nullptr : std::aligned_alloc(kAlignment, rounded);
  if (rounded != 0 && *pointer == nullptr) return cudaErrorMemoryAllocation;
  if (*pointer != nullptr) vit::simt::device_block_handed_out(*pointer, bytes, rounded);
  return cudaSuccess;
}

cudaError_t cudaFree(void* pointer) {
  host_waits();  // synchronises the device
  if (pointer != nullptr) vit::simt::device_block_freed(pointer);
  std::free(pointer);
  return cudaSuccess;
}

namespace {
cudaError_t copy(void* destination, const void* source, size_t bytes) {
  if (bytes != 0 && (destination == nullptr || source == nullptr)) return cudaErrorInvalidValue;
  if (bytes != 0) std::memmove(destination, source, bytes);
  return cudaSuccess;
}
}  // namespace

cudaError_t cudaMemcpy(void* destination, const void* source, size_t bytes, cudaMemcpyKind kind) {
  if (kind != cudaMemcpyDeviceToDevice) host_waits();  // a copy to or from the host waits for the stream
  return copy(destination, source, bytes);
}

cudaError_t cudaMemcpyAsync(void* destination, const void* source, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t) {
  const bool from_host = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyHostToHost;
  const bool to_host = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyHostToHost;
  if ((from_host && !is_pinned(source, bytes)) || (to_host && !is_pinned(destination, bytes))) host_waits();
  return copy(destination, source, bytes);
}

cudaError_t cudaHostAlloc(void** pointer, size_t bytes, unsigned int) {
  if (pointer == nullptr) return cudaErrorInvalidValue;
  host_waits();  // pinning pages synchronises the device
  *pointer = std::aligned_alloc(kAlignment,
                                std::max<std::size_t>(kAlignment, (bytes + kAlignment - 1) / kAlignment * kAlignment));
  if (*pointer == nullptr) return cudaErrorMemoryAllocation;
  std::lock_guard<std::mutex> lock(g_pinned_mutex);
  g_pinned[static_cast<const char*>(*pointer)] = bytes;
  return cudaSuccess;
}

cudaError_t cudaFreeHost(void* pointer) {
  host_waits();
  {
    std::lock_guard<std::mutex> lock(g_pinned_mutex);
    if (pointer != nullptr && g_pinned.erase(static_cast<const char*>(pointer)) == 0) return cudaErrorInvalidValue;
  }
  std::free(pointer);
  return cudaSuccess;
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

cudaError_t cudaStreamSynchronize(cudaStream_t) {
  host_waits();
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() {
  host_waits();
  return cudaSuccess;
}

cudaError_t cudaStreamWaitEvent(cudaStream_t, cudaEvent_t event, unsigned int) {
  return event == nullptr ? cudaErrorInvalidValue : cudaSuccess;  // the device waits, not the host
}

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  if (event == nullptr) return cudaErrorInvalidValue;
  *event = new CUevent_st;
  return cudaSuccess;
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int) { return cudaEventCreate(event); }

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t) {
  if (event == nullptr) return cudaErrorInvalidValue;
  event->time = std::chrono::steady_clock::now();
  return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t) {
  host_waits();
  return cudaSuccess;
}

cudaError_t cudaEventQuery(cudaEvent_t event) {  // every launch and copy is complete already
  return event == nullptr ? cudaErrorInvalidValue : cudaSuccess;
}

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
