#include "runtime/simt/shared_memory.h"

#include <sanitizer/asan_interface.h>

#include <algorithm>
#include <cstring>

#include "vitcuda/runtime/check.h"

namespace vit::simt {

namespace {
std::size_t round_up(std::size_t value, std::size_t unit) { return (value + unit - 1) / unit * unit; }
}  // namespace

namespace {
constexpr std::size_t kStaticArea = kMaxStaticSmem + 64 * (64 + 16);  // slots, redzones, rounding
}  // namespace

SharedWindow::SharedWindow()
    : storage_(new unsigned char[kRedzone + kMaxBlockSmem + kRedzone + kStaticArea]),
      capacity_(kRedzone + kMaxBlockSmem + kRedzone + kStaticArea) {}

// The poison is written here, on the host thread before the block's threads start, not when a
// slot is declared: racecheck would otherwise see the declaring thread's fill race with the
// other threads' first writes.
void SharedWindow::start_block(std::size_t dynamic_bytes) {
  ASAN_UNPOISON_MEMORY_REGION(base(), capacity_);
  dynamic_bytes_ = dynamic_bytes;
  end_ = kRedzone + round_up(dynamic_bytes, 16) + kRedzone;
  static_bytes_ = 0;
  slot_count_ = 0;
  std::memset(dynamic(), 0xff, std::min(end_ + kStaticArea, capacity_) - kRedzone);
  ASAN_POISON_MEMORY_REGION(base(), capacity_);
  ASAN_UNPOISON_MEMORY_REGION(dynamic(), dynamic_bytes);
}

void* SharedWindow::slot(const detail::SharedDecl* decl, std::size_t bytes) {
  for (std::size_t i = 0; i < slot_count_; ++i) {
    if (slots_[i].decl == decl) return base() + slots_[i].offset;
  }
  const std::string where =
      std::string("__shared__ '") + decl->name + "' (" + decl->file + ":" + std::to_string(decl->line) + ")";
  VIT_CHECK(slot_count_ < kMaxSlots, where, ": a block may declare at most ", kMaxSlots, " shared variables.");
  VIT_CHECK(static_bytes_ + bytes <= kMaxStaticSmem, where, ": ", static_bytes_ + bytes,
            " bytes of static shared memory exceed the ", kMaxStaticSmem, "-byte limit.");
  VIT_CHECK(dynamic_bytes_ + static_bytes_ + bytes <= kMaxBlockSmem, where, ": ",
            dynamic_bytes_ + static_bytes_ + bytes, " bytes of shared memory exceed the ", kMaxBlockSmem,
            "-byte limit of a block.");
  const std::size_t offset = end_;
  slots_[slot_count_++] = {decl, offset, bytes};
  static_bytes_ += bytes;
  end_ = offset + round_up(bytes, 16) + kRedzone;
  ASAN_UNPOISON_MEMORY_REGION(base() + offset, bytes);
  return base() + offset;
}

bool SharedWindow::contains(const void* address, std::size_t bytes) const {
  const auto* p = static_cast<const unsigned char*>(address);
  if (p >= dynamic() && p + bytes <= dynamic() + dynamic_bytes_) return true;
  for (std::size_t i = 0; i < slot_count_; ++i) {
    if (p >= base() + slots_[i].offset && p + bytes <= base() + slots_[i].offset + slots_[i].bytes) return true;
  }
  return false;
}

std::string SharedWindow::describe(const void* address) const {
  const auto* p = static_cast<const unsigned char*>(address);
  if (p < base() || p >= base() + capacity_) return "";
  // The region that ends closest before the address (or contains it).
  std::string name = "the block's dynamic shared memory";
  const unsigned char* start = dynamic();
  std::size_t bytes = dynamic_bytes_;
  for (std::size_t i = 0; i < slot_count_; ++i) {
    const unsigned char* slot_start = base() + slots_[i].offset;
    if (slot_start <= p) {
      start = slot_start;
      bytes = slots_[i].bytes;
      name = std::string("__shared__ '") + slots_[i].decl->name + "' declared at " + slots_[i].decl->file + ":" +
             std::to_string(slots_[i].decl->line);
    }
  }
  if (p < start) return "shared memory " + std::to_string(start - p) + " bytes before " + name;
  const std::size_t offset = static_cast<std::size_t>(p - start);
  if (offset < bytes)
    return "byte " + std::to_string(offset) + " of " + name + " (" + std::to_string(bytes) + " bytes)";
  return "shared memory " + std::to_string(offset - bytes) + " bytes past the end of " + name + " (" +
         std::to_string(bytes) + " bytes)";
}

SharedWindow& shared_window() {
  static thread_local SharedWindow window;
  return window;
}

}  // namespace vit::simt

namespace vit::simt::detail {

void* static_shared(const SharedDecl* decl, std::size_t bytes) { return shared_window().slot(decl, bytes); }

}  // namespace vit::simt::detail
