// The CUDA runtime calls vitcuda makes, defined for the interpreter build against the toolkit's
// own declarations (cuda_runtime_api.h), on host memory: allocations are 256-byte aligned like
// cudaMalloc's and poisoned past their size (memcheck.h), streams are tokens, and launches finish
// before they return, so copies, memsets and synchronisations are plain host operations; events
// record the host clock. Every call that makes a real GPU's host thread wait is counted
// (host_sync.h), so tests can show that a training step never waits. A stream being captured
// records its work into a graph instead (capture.h).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/simt/capture.h"
#include "runtime/simt/host_sync.h"
#include "runtime/simt/memcheck.h"
#include "runtime/simt/toolkit.h"
#include "vitcuda/runtime/check.h"

using Recording = std::vector<std::function<void()>>;

struct CUstream_st {
  Recording* capture = nullptr;  // while a graph is being captured from this stream
};
struct CUgraph_st {
  Recording work;
};
struct CUgraphExec_st {
  Recording work;
};
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

std::atomic<int> g_capturing{0};  // streams capturing now

bool capturing(cudaStream_t stream) { return stream != nullptr && stream->capture != nullptr; }

}  // namespace

namespace vit::simt {

std::int64_t host_synchronizations() { return g_host_synchronizations.load(std::memory_order_relaxed); }

void enqueue(cudaStream_t stream, std::function<void()> work, const char* what, const char* file, int line) {
  if (capturing(stream)) {
    stream->capture->push_back(std::move(work));
    return;
  }
  if (stream == nullptr && g_capturing.load() > 0) {
    throw_error(file != nullptr ? file : __FILE__, file != nullptr ? line : __LINE__,
                std::string(what) + " on the legacy NULL stream while a stream is captured into a graph");
  }
  work();
}

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
  if (g_capturing.load() > 0) return cudaErrorStreamCaptureImplicit;  // the legacy stream waits for the capture
  if (kind != cudaMemcpyDeviceToDevice) host_waits();  // a copy to or from the host waits for the stream
  return copy(destination, source, bytes);
}

cudaError_t cudaMemcpyAsync(void* destination, const void* source, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t stream) {
  const bool from_host = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyHostToHost;
  const bool to_host = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyHostToHost;
  if ((from_host && !is_pinned(source, bytes)) || (to_host && !is_pinned(destination, bytes))) {
    if (g_capturing.load() > 0) return cudaErrorStreamCaptureUnsupported;  // a wait inside a capture
    host_waits();
  }
  if (bytes != 0 && (destination == nullptr || source == nullptr)) return cudaErrorInvalidValue;
  vit::simt::enqueue(
      stream, [=] { copy(destination, source, bytes); }, "cudaMemcpyAsync");
  return cudaSuccess;
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

cudaError_t cudaMemsetAsync(void* destination, int value, size_t bytes, cudaStream_t stream) {
  if (bytes != 0 && destination == nullptr) return cudaErrorInvalidValue;
  vit::simt::enqueue(
      stream, [=] { std::memset(destination, value, bytes); }, "cudaMemsetAsync");
  return cudaSuccess;
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

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  if (capturing(stream)) return cudaErrorStreamCaptureUnsupported;
  host_waits();
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() {
  if (g_capturing.load() > 0) return cudaErrorStreamCaptureUnsupported;
  host_waits();
  return cudaSuccess;
}

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode) {
  if (stream == nullptr) return cudaErrorStreamCaptureUnsupported;  // the legacy stream cannot be captured
  if (stream->capture != nullptr) return cudaErrorIllegalState;
  stream->capture = new Recording;
  ++g_capturing;
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  if (stream == nullptr || stream->capture == nullptr) return cudaErrorIllegalState;
  if (graph == nullptr) return cudaErrorInvalidValue;
  *graph = new CUgraph_st{std::move(*stream->capture)};
  delete stream->capture;
  stream->capture = nullptr;
  --g_capturing;
  return cudaSuccess;
}

cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status) {
  if (status == nullptr) return cudaErrorInvalidValue;
  *status = capturing(stream) ? cudaStreamCaptureStatusActive : cudaStreamCaptureStatusNone;
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  if (exec == nullptr || graph == nullptr) return cudaErrorInvalidValue;
  *exec = new CUgraphExec_st{graph->work};
  return cudaSuccess;
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  if (exec == nullptr) return cudaErrorInvalidValue;
  vit::simt::enqueue(
      stream,
      [exec] {
        for (const std::function<void()>& work : exec->work) work();
      },
      "cudaGraphLaunch");
  return cudaSuccess;
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;
  return cudaSuccess;
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
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
  if (g_capturing.load() > 0) return cudaErrorStreamCaptureUnsupported;
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
    case cudaErrorStreamCaptureUnsupported:
      return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureImplicit:
      return "operation would make the legacy stream depend on a capturing blocking stream";
    case cudaErrorIllegalState:
      return "the operation cannot be performed in the present state";
    default: return "unknown error";
  }
}
