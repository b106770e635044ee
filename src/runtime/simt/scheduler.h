#pragma once
// The host side of the SIMT interpreter: runs one kernel launch to completion.
#include <cstddef>
#include <functional>

#include "runtime/simt/toolkit.h"

namespace vit::simt {

// Runs `thread_body` once per GPU thread of every block of `grid`: blocks are spread over the host
// threads (OpenMP; VIT_SIM_THREADS caps how many), the threads of a block are fibers of one host
// thread. Throws vit::Error naming the launch site when a barrier or warp operation cannot be
// completed (not every thread reaches it) or the configuration is invalid.
void launch(dim3 grid, dim3 block, std::size_t dynamic_smem_bytes, const std::function<void()>& thread_body,
            const char* file, int line);

}  // namespace vit::simt
