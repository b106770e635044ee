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

// With VIT_SIM_SKIP_KERNELS set, launches check their configuration and return without running:
// host code, allocations and copies run as usual, so the caching allocator's accounting of a
// large model's step (ViT-B at batch 256) comes out exactly as on a GPU, in seconds, with its
// memory never touched (blocks are not poisoned either). Results are meaningless.
bool kernels_skipped();

// The order in which a launch starts its blocks. A GPU promises none, so a result that changes
// with it (float atomics across blocks, a block reading another's output) is a bug; tests run a
// kernel in both orders to show that it has none.
enum class BlockOrder { forward, reverse };
void set_block_order(BlockOrder order);

}  // namespace vit::simt
