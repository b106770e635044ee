#pragma once
// Stream capture in the interpreter build: work queued on a stream that is being captured into a
// CUDA graph (cudaStreamBeginCapture) is recorded instead of run, and cudaGraphLaunch runs the
// recording in order, as a GPU replays a graph. What a GPU refuses during a capture is refused
// here too: a synchronisation, a copy to or from pageable host memory, and work on the legacy
// NULL stream, which would wait for the capturing stream.
#include <functional>

#include "runtime/simt/toolkit.h"

namespace vit::simt {

// Runs `work` (a launch, an async copy or memset) now, or records it when `stream` is capturing.
// Throws, naming `what` and the caller's file:line when given, for work on the legacy NULL stream
// during a capture.
void enqueue(cudaStream_t stream, std::function<void()> work, const char* what, const char* file = nullptr,
             int line = 0);

}  // namespace vit::simt
