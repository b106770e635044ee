#pragma once
// Caching allocator for large host buffers. A training step allocates the same large tensors
// every step; returning them to the OS and faulting fresh zeroed pages back in cost a tenth of a
// CPU step. Blocks of 64 KiB and more are kept on free lists by size (rounded up to 4 KiB) and
// reused; smaller ones go straight to the C allocator. Thread-safe.
#include <cstddef>

namespace vit::host {

void* allocate(std::size_t bytes);            // 64-byte aligned
void release(void* data, std::size_t bytes);  // bytes as passed to allocate
void empty_cache();                           // gives every cached block back to the OS
std::size_t cached_bytes();

}  // namespace vit::host
