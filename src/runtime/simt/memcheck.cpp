#include "runtime/simt/memcheck.h"

#include <sanitizer/asan_interface.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "runtime/simt/scheduler.h"
#include "runtime/simt/shared_memory.h"
#include "runtime/simt/simt.h"

namespace vit::simt {

namespace {

struct Block {
  std::size_t requested, capacity;
  bool live;
};

struct Registry {
  std::mutex mutex;
  std::map<std::uintptr_t, Block> blocks;  // by start address
};

Registry& registry() {
  static Registry* instance = new Registry;  // never destroyed: blocks may be freed at exit
  return *instance;
}

thread_local const char* launch_file = nullptr;
thread_local int launch_line = 0;

}  // namespace

void device_block_handed_out(void* block, std::size_t requested, std::size_t capacity) {
  if (capacity == 0) return;
  ASAN_UNPOISON_MEMORY_REGION(block, capacity);
  if (!kernels_skipped()) std::memset(block, 0xff, capacity);  // else: leave the pages untouched
  ASAN_POISON_MEMORY_REGION(static_cast<unsigned char*>(block) + requested, capacity - requested);
  Registry& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  r.blocks[reinterpret_cast<std::uintptr_t>(block)] = {requested, capacity, true};
}

void device_block_taken_back(void* block, std::size_t capacity) {
  ASAN_POISON_MEMORY_REGION(block, capacity);
  Registry& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  r.blocks[reinterpret_cast<std::uintptr_t>(block)].live = false;
}

void device_block_freed(void* block) {
  Registry& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  const auto it = r.blocks.find(reinterpret_cast<std::uintptr_t>(block));
  if (it == r.blocks.end()) return;
  ASAN_UNPOISON_MEMORY_REGION(block, it->second.capacity);
  r.blocks.erase(it);
}

void set_current_launch(const char* file, int line) {
  launch_file = file;
  launch_line = line;
}

#if defined(__SANITIZE_ADDRESS__)
namespace {

// The device block at or nearest below `address`, described relative to what was asked for.
std::string describe_device_address(const void* address) {
  const auto p = reinterpret_cast<std::uintptr_t>(address);
  Registry& r = registry();
  const std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.blocks.upper_bound(p);
  if (it == r.blocks.begin()) return "";
  --it;
  const std::size_t offset = p - it->first;
  const Block& b = it->second;
  if (offset >= b.capacity + 256) return "";
  const std::string size = std::to_string(b.requested) + "-byte device allocation";
  if (!b.live)
    return "byte " + std::to_string(offset) + " of a freed " + std::to_string(b.capacity) + "-byte device block";
  if (offset < b.requested) return "byte " + std::to_string(offset) + " of a " + size;
  return std::to_string(offset - b.requested) + " bytes past the end of a " + size;
}

}  // namespace
#endif

}  // namespace vit::simt

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer calls this when it finds an error, before its own report (with the stack of
// the access): add what the address is in the interpreter's terms.
extern "C" void __asan_on_error() {
  using namespace vit::simt;
  const void* address = __asan_get_report_address();
  std::string what = shared_window().describe(address);
  if (what.empty()) what = describe_device_address(address);
  if (what.empty()) return;
  const uint3 block = detail::block_idx, thread = detail::thread_idx;
  std::fprintf(
      stderr,
      "vitcuda memcheck: the kernel launched at %s:%d, block (%u,%u,%u) thread (%u,%u,%u), %s %zu bytes at %s\n",
      launch_file != nullptr ? launch_file : "?", launch_line, block.x, block.y, block.z, thread.x, thread.y, thread.z,
      __asan_get_report_access_type() ? "writes" : "reads", __asan_get_report_access_size(), what.c_str());
}
#endif
