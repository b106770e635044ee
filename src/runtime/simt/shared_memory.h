#pragma once
// The running block's shared memory in the interpreter: one window per host thread (a host thread
// runs one block at a time), laid out as
//   [redzone][dynamic: the launch's smem_bytes][redzone][VIT_SHARED slot][redzone][slot]...
// Every byte a block can see is filled with 0xff (a float NaN) when the block starts, so a read of shared memory the
// block never wrote shows up in its results (initcheck). In AddressSanitizer builds everything but the live regions is
// poisoned, so an access past a variable or past the dynamic size is reported (memcheck).
#include <cstddef>
#include <memory>
#include <string>

#include "runtime/simt/simt.h"

namespace vit::simt {

// sm_90's limits: 48 KiB of static shared memory, 227 KiB in all per block.
constexpr std::size_t kMaxStaticSmem = 48 * 1024;
constexpr std::size_t kMaxBlockSmem = 227 * 1024;

class SharedWindow {
 public:
  SharedWindow();
  // Starts a block with `dynamic_bytes` of dynamic shared memory: no slots, everything poisoned.
  void start_block(std::size_t dynamic_bytes);
  unsigned char* dynamic() const { return base() + kRedzone; }
  // The slot of a VIT_SHARED declaration in this block, made on its first request.
  void* slot(const detail::SharedDecl* decl, std::size_t bytes);
  bool contains(const void* address, std::size_t bytes) const;
  // What `address` is next to, for a memcheck report; empty if it is not in the window.
  std::string describe(const void* address) const;

 private:
  static constexpr std::size_t kRedzone = 64, kMaxSlots = 64;
  struct Slot {
    const detail::SharedDecl* decl;
    std::size_t offset, bytes;
  };
  unsigned char* base() const { return storage_.get(); }

  std::unique_ptr<unsigned char[]> storage_;
  std::size_t capacity_ = 0, dynamic_bytes_ = 0, end_ = 0, static_bytes_ = 0;
  Slot slots_[kMaxSlots]{};
  std::size_t slot_count_ = 0;
};

SharedWindow& shared_window();  // the calling host thread's

}  // namespace vit::simt
