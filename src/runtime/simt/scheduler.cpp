// SIMT interpreter scheduler. A launch spreads its blocks over OpenMP host threads; each host
// thread owns one BlockRunner that runs one block at a time, every GPU thread a ucontext fiber on
// its own guarded stack (fibers and stacks are reused from block to block).
// Scheduling is cooperative: a pass resumes every runnable fiber in thread order until it
// finishes or suspends at __syncthreads or a warp operation. After the pass nothing is runnable,
// and the runner completes what it can: a warp operation once every lane of its mask waits at it
// (shuffle sources are read then), the block barrier once every thread of the block waits at it.
// If nothing can complete, some thread waits for one that exited or waits elsewhere: a kernel bug,
// reported as an error naming the barrier, its source line and the block (never a hang).
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <omp.h>

#include "runtime/simt/scheduler.h"
#include "runtime/simt/simt.h"
#include "vitcuda/runtime/check.h"

namespace vit::simt {

namespace {

using detail::WarpOpKind;
constexpr std::size_t kStackBytes = 256 * 1024;
constexpr int kWarpSize = 32;
constexpr int kMaxBlockThreads = 1024;
constexpr std::size_t kMaxDynamicSmem = 227 * 1024;  // sm_90's per-block opt-in limit

const char* op_name(WarpOpKind kind) {
  switch (kind) {
    case WarpOpKind::sync: return "__syncwarp";
    case WarpOpKind::shfl_idx: return "__shfl_sync";
    case WarpOpKind::shfl_up: return "__shfl_up_sync";
    case WarpOpKind::shfl_down: return "__shfl_down_sync";
    case WarpOpKind::shfl_xor: return "__shfl_xor_sync";
    case WarpOpKind::ballot: return "__ballot_sync";
    case WarpOpKind::any: return "__any_sync";
    case WarpOpKind::all: return "__all_sync";
  }
  return "warp operation";
}

std::string site(const char* file, int line) { return std::string(file) + ":" + std::to_string(line); }

// A fiber stack with a PROT_NONE guard page below it, so an overflow faults instead of corrupting.
class Stack {
 public:
  Stack() {
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    bytes_ = kStackBytes + page;
    base_ = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    VIT_CHECK(base_ != MAP_FAILED, "SIMT interpreter: cannot map a ", kStackBytes, "-byte fiber stack.");
    mprotect(base_, page, PROT_NONE);
    top_ = static_cast<char*>(base_) + page;
  }
  ~Stack() { munmap(base_, bytes_); }
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
  void* top() const { return top_; }

 private:
  void* base_ = nullptr;
  void* top_ = nullptr;
  std::size_t bytes_ = 0;
};

enum class State : std::uint8_t { runnable, at_barrier, at_warp_op, finished };

struct Fiber {
  ucontext_t context{};
  Stack stack;
  uint3 index{};
  State state = State::finished;
  const char* file = "";  // where the fiber waits
  int line = 0;
  WarpOpKind op = WarpOpKind::sync;
  unsigned mask = 0;
  int arg = 0, width = kWarpSize;
  std::uint64_t value = 0, result = 0;
};

class BlockRunner {
 public:
  void run(const std::function<void()>& body, uint3 block, uint3 block_dim, uint3 grid_dim, std::size_t smem_bytes);
  void wait_at_barrier(const char* file, int line);
  std::uint64_t wait_at_warp_op(WarpOpKind kind, unsigned mask, std::uint64_t value, int arg, int width,
                                const char* file, int line);

 private:
  static void fiber_main();
  void suspend();
  [[noreturn]] void fail_in_fiber(const std::string& message);
  bool complete_warp_ops();
  bool complete_barrier();
  void complete_warp_group(int first, unsigned group);
  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void report_stuck() const;
  Fiber& lane(int first, int lane_index) { return *fibers_[first + lane_index]; }

  std::vector<std::unique_ptr<Fiber>> fibers_;  // stable addresses: contexts point into them
  ucontext_t scheduler_{};
  const std::function<void()>* body_ = nullptr;
  std::vector<unsigned char> smem_;
  std::string fiber_error_;
  uint3 block_{};
  int count_ = 0, current_ = -1;
};

thread_local BlockRunner runner;

void BlockRunner::run(const std::function<void()>& body, uint3 block, uint3 block_dim, uint3 grid_dim,
                      std::size_t smem_bytes) {
  detail::block_idx = block;
  detail::block_dim = block_dim;
  detail::grid_dim = grid_dim;
  smem_.assign(smem_bytes, 0xff);  // uninitialised on a GPU: poison it (0xffffffff is a float NaN)
  detail::dynamic_smem = smem_.data();
  body_ = &body;
  block_ = block;
  fiber_error_.clear();
  count_ = static_cast<int>(block_dim.x * block_dim.y * block_dim.z);
  while (static_cast<int>(fibers_.size()) < count_) {
    fibers_.push_back(std::make_unique<Fiber>());
    getcontext(&fibers_.back()->context);
  }
  for (int i = 0; i < count_; ++i) {
    Fiber& f = *fibers_[i];
    f.index = {i % block_dim.x, (i / block_dim.x) % block_dim.y, i / (block_dim.x * block_dim.y)};
    f.state = State::runnable;
    f.context.uc_stack.ss_sp = f.stack.top();
    f.context.uc_stack.ss_size = kStackBytes;
    f.context.uc_link = &scheduler_;
    makecontext(&f.context, fiber_main, 0);
  }
  for (;;) {
    int finished = 0;
    for (int i = 0; i < count_; ++i) {
      Fiber& f = *fibers_[i];
      if (f.state == State::runnable) {
        current_ = i;
        detail::thread_idx = f.index;
        swapcontext(&scheduler_, &f.context);
        current_ = -1;
        if (!fiber_error_.empty()) fail(fiber_error_);
      }
      finished += f.state == State::finished;
    }
    if (finished == count_) return;
    if (!complete_warp_ops() && !complete_barrier()) report_stuck();
  }
}

void BlockRunner::fiber_main() {
  BlockRunner& self = runner;
  try {
    (*self.body_)();
  } catch (const std::exception& error) {
    self.fiber_error_ = std::string("a GPU thread threw: ") + error.what();
  }
  self.fibers_[self.current_]->state = State::finished;
}  // returns through uc_link to the scheduler

void BlockRunner::suspend() { swapcontext(&fibers_[current_]->context, &scheduler_); }

void BlockRunner::fail_in_fiber(const std::string& message) {
  fiber_error_ = message;
  fibers_[current_]->state = State::finished;
  suspend();  // never resumed: the scheduler throws
  std::abort();
}

void BlockRunner::wait_at_barrier(const char* file, int line) {
  VIT_CHECK(current_ >= 0, "__syncthreads called outside a kernel launched on the SIMT interpreter.");
  Fiber& f = *fibers_[current_];
  f.state = State::at_barrier;
  f.file = file;
  f.line = line;
  suspend();
}

std::uint64_t BlockRunner::wait_at_warp_op(WarpOpKind kind, unsigned mask, std::uint64_t value, int arg,
                                           int width, const char* file, int line) {
  VIT_CHECK(current_ >= 0, op_name(kind), " called outside a kernel launched on the SIMT interpreter.");
  const int lane_index = current_ % kWarpSize;
  if (!(mask >> lane_index & 1u)) {
    fail_in_fiber(std::string(op_name(kind)) + " at " + site(file, line) + ": lane " +
                  std::to_string(lane_index) + " calls it with a mask that excludes itself");
  }
  if (width < 1 || width > kWarpSize || (width & (width - 1)) != 0) {
    fail_in_fiber(std::string(op_name(kind)) + " at " + site(file, line) + ": width " + std::to_string(width) +
                  " is not a power of two up to 32");
  }
  Fiber& f = *fibers_[current_];
  f.state = State::at_warp_op;
  f.op = kind;
  f.mask = mask;
  f.value = value;
  f.arg = arg;
  f.width = width;
  f.file = file;
  f.line = line;
  suspend();
  return f.result;
}

// Completes every warp operation whose lanes have all arrived; true if any lane was released.
bool BlockRunner::complete_warp_ops() {
  bool released = false;
  for (int i = 0; i < count_; ++i) {
    const Fiber& f = *fibers_[i];
    if (f.state != State::at_warp_op) continue;
    const int first = i / kWarpSize * kWarpSize, lanes = std::min(kWarpSize, count_ - first);
    const unsigned existing = lanes == kWarpSize ? ~0u : (1u << lanes) - 1u;
    const unsigned group = f.mask & existing;
    bool ready = true;
    for (int j = 0; j < lanes && ready; ++j) {
      if (!(group >> j & 1u)) continue;
      const Fiber& other = lane(first, j);
      const std::string where = std::string(op_name(f.op)) + " at " + site(f.file, f.line);
      if (other.state == State::finished) {
        fail(where + ": lane " + std::to_string(j) + " of warp " + std::to_string(i / kWarpSize) +
             " is in the mask but exited without reaching it");
      }
      if (other.state != State::at_warp_op) {
        ready = false;
      } else if (other.op != f.op || other.mask != f.mask) {
        fail(where + ": lane " + std::to_string(j) + " of warp " + std::to_string(i / kWarpSize) + " waits at " +
             op_name(other.op) + " at " + site(other.file, other.line) + " with mask " + std::to_string(other.mask) +
             " instead (mask " + std::to_string(f.mask) + ")");
      }
    }
    if (ready) {
      complete_warp_group(first, group);
      released = true;
    }
  }
  return released;
}

int source_lane(WarpOpKind kind, int lane_index, int arg, int width) {
  const int base = lane_index / width * width, offset = lane_index - base;
  switch (kind) {
    case WarpOpKind::shfl_idx: return base + (arg % width + width) % width;
    case WarpOpKind::shfl_up: return offset >= arg ? lane_index - arg : lane_index;
    case WarpOpKind::shfl_down: return offset + arg < width ? lane_index + arg : lane_index;
    case WarpOpKind::shfl_xor: {
      const int target = lane_index ^ arg;
      return target / width == lane_index / width ? target : lane_index;
    }
    default: return lane_index;
  }
}

void BlockRunner::complete_warp_group(int first, unsigned group) {
  unsigned votes = 0;
  for (int j = 0; j < kWarpSize; ++j) {
    if ((group >> j & 1u) && lane(first, j).value != 0) votes |= 1u << j;
  }
  for (int j = 0; j < kWarpSize; ++j) {
    if (!(group >> j & 1u)) continue;
    Fiber& f = lane(first, j);
    switch (f.op) {
      case WarpOpKind::sync: f.result = 0; break;
      case WarpOpKind::ballot: f.result = votes; break;
      case WarpOpKind::any: f.result = votes != 0; break;
      case WarpOpKind::all: f.result = votes == group; break;
      default: {
        const int source = source_lane(f.op, j, f.arg, f.width);
        if (!(group >> source & 1u)) {
          fail(std::string(op_name(f.op)) + " at " + site(f.file, f.line) + ": lane " + std::to_string(j) +
               " reads lane " + std::to_string(source) + ", which is not in the mask or not in the block");
        }
        f.result = lane(first, source).value;
      }
    }
  }
  for (int j = 0; j < kWarpSize; ++j) {
    if (group >> j & 1u) lane(first, j).state = State::runnable;
  }
}

// Releases the block barrier once every thread waits at it; true if it did.
bool BlockRunner::complete_barrier() {
  int waiting = 0, finished = 0;
  const Fiber* first_waiting = nullptr;
  for (int i = 0; i < count_; ++i) {
    const Fiber& f = *fibers_[i];
    if (f.state == State::at_barrier) {
      ++waiting;
      if (first_waiting == nullptr) first_waiting = &f;
      if (f.file != first_waiting->file || f.line != first_waiting->line) {
        fail("threads wait at different __syncthreads: " + site(first_waiting->file, first_waiting->line) +
             " and " + site(f.file, f.line));
      }
    }
    finished += f.state == State::finished;
  }
  if (waiting != count_) {
    if (waiting > 0 && waiting + finished == count_) {
      fail("__syncthreads at " + site(first_waiting->file, first_waiting->line) + " was reached by " +
           std::to_string(waiting) + " of " + std::to_string(count_) + " threads; the other " +
           std::to_string(finished) + " exited without reaching it");
    }
    return false;
  }
  for (int i = 0; i < count_; ++i) fibers_[i]->state = State::runnable;
  return true;
}

void BlockRunner::report_stuck() const {
  std::string message = "deadlock:";
  for (int i = 0; i < count_; ++i) {
    const Fiber& f = *fibers_[i];
    if (f.state == State::at_warp_op) {
      message += " thread " + std::to_string(i) + " waits at " + op_name(f.op) + " (" + site(f.file, f.line) +
                 ") for lanes that never reach it;";
      break;
    }
  }
  for (int i = 0; i < count_; ++i) {
    const Fiber& f = *fibers_[i];
    if (f.state == State::at_barrier) {
      message += " thread " + std::to_string(i) + " waits at __syncthreads (" + site(f.file, f.line) + ");";
      break;
    }
  }
  fail(message);
}

void BlockRunner::fail(const std::string& message) const {
  VIT_FAIL("SIMT interpreter, block (", block_.x, ",", block_.y, ",", block_.z, "): ", message, ".");
}

int host_threads(std::int64_t blocks) {
  int threads = omp_get_max_threads();
  if (const char* cap = std::getenv("VIT_SIM_THREADS"); cap != nullptr && std::atoi(cap) > 0) {
    threads = std::min(threads, std::atoi(cap));
  }
  return static_cast<int>(std::min<std::int64_t>(threads, blocks));
}

}  // namespace

namespace detail {

void block_barrier(const char* file, int line) { runner.wait_at_barrier(file, line); }

std::uint64_t warp_op(WarpOpKind kind, unsigned mask, std::uint64_t value, int arg, int width, const char* file,
                      int line) {
  return runner.wait_at_warp_op(kind, mask, value, arg, width, file, line);
}

}  // namespace detail

void launch(dim3 grid, dim3 block, std::size_t dynamic_smem_bytes, const std::function<void()>& thread_body,
            const char* file, int line) {
  const std::int64_t threads = std::int64_t{block.x} * block.y * block.z;
  const std::int64_t blocks = std::int64_t{grid.x} * grid.y * grid.z;
  VIT_CHECK(threads >= 1 && threads <= kMaxBlockThreads && block.z <= 64, "kernel launched at ", file, ":", line,
            ": block (", block.x, ",", block.y, ",", block.z, ") must have 1 to ", kMaxBlockThreads, " threads.");
  VIT_CHECK(blocks >= 1 && grid.y <= 65535 && grid.z <= 65535, "kernel launched at ", file, ":", line, ": grid (",
            grid.x, ",", grid.y, ",", grid.z, ") is empty or too large.");
  VIT_CHECK(dynamic_smem_bytes <= kMaxDynamicSmem, "kernel launched at ", file, ":", line, ": ",
            dynamic_smem_bytes, " bytes of dynamic shared memory exceed the ", kMaxDynamicSmem, "-byte limit.");
  std::atomic<bool> failed{false};
  std::string first_error;
  std::mutex error_mutex;
#pragma omp parallel for schedule(dynamic) num_threads(host_threads(blocks))
  for (std::int64_t b = 0; b < blocks; ++b) {
    if (failed.load(std::memory_order_relaxed)) continue;
    const uint3 index{static_cast<unsigned>(b % grid.x), static_cast<unsigned>(b / grid.x % grid.y),
                      static_cast<unsigned>(b / (std::int64_t{grid.x} * grid.y))};
    try {
      runner.run(thread_body, index, {block.x, block.y, block.z}, {grid.x, grid.y, grid.z}, dynamic_smem_bytes);
    } catch (const std::exception& error) {
      const std::lock_guard<std::mutex> lock(error_mutex);
      if (!failed.exchange(true)) first_error = error.what();
    }
  }
  if (failed) throw Error("kernel launched at " + site(file, line) + ": " + first_error);
}

}  // namespace vit::simt
