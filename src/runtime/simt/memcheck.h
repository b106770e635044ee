#pragma once
// The interpreter's device memory as the sanitizers see it. Every block of "device" memory (host
// memory in this build) is filled with 0xff bytes (a float NaN) when it is handed out, so a read
// of memory no one wrote shows up in the results (initcheck). In AddressSanitizer builds the bytes
// past the size asked for and every free cached block are poisoned, and a report names the
// device allocation or shared variable it hit and the offset past its end (memcheck).
#include <cstddef>

namespace vit::simt {

// `block` of `capacity` bytes now serves a request for `requested` bytes.
void device_block_handed_out(void* block, std::size_t requested, std::size_t capacity);
// `block` went back to a free list: no kernel may touch it until it is handed out again.
void device_block_taken_back(void* block, std::size_t capacity);
// `block` (from device_block_handed_out) is about to go back to the host allocator.
void device_block_freed(void* block);

// The launch a host thread is running, for reports: set by simt::launch.
void set_current_launch(const char* file, int line);

}  // namespace vit::simt
