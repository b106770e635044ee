// SIMT interpreter scheduler. A launch spreads its blocks over OpenMP host threads; each host
// thread owns one BlockRunner that runs one block at a time, every GPU thread a ucontext fiber on
// its own guarded stack (fibers and stacks are reused from block to block).
// Scheduling is cooperative: a pass resumes every runnable fiber in thread order until it
// finishes or suspends at __syncthreads or a warp operation. After the pass nothing is runnable,
// and the runner completes what it can: a warp operation once every lane of its mask waits at it
// (shuffle sources are read then; a warp-collective such as mma once all 32 lanes wait at the
// same source line), the block barrier once every thread of the block waits at it.
// Racecheck builds (race_annotations.h) compile this file without ThreadSanitizer: what the
// scheduler reads and writes for the fibers is bookkeeping, not GPU memory traffic.
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

#include "runtime/simt/memcheck.h"
#include "runtime/simt/race_annotations.h"
#include "runtime/simt/scheduler.h"
#include "runtime/simt/shared_memory.h"
#include "runtime/simt/simt.h"
#include "vitcuda/runtime/check.h"

namespace vit::simt {

namespace {

using detail::WarpOpKind;
constexpr std::size_t kStackBytes = 256 * 1024;
constexpr int kWarpSize = 32;
constexpr int kMaxBlockThreads = 1024;

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
    case WarpOpKind::collective: return "a warp-collective operation";
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

struct PendingCopy {
  detail::AsyncCopy copy;
  int group;  // -1 until committed
};

struct Fiber {
  ucontext_t context{};
  Stack stack;
  void* race_fiber = race::create_fiber();
  uint3 index{};
  State state = State::finished;
  const char* file = "";  // where the fiber waits
  int line = 0;
  WarpOpKind op = WarpOpKind::sync;
  const detail::WarpCollective* collective = nullptr;
  void* lane_data = nullptr;
  unsigned mask = 0, group = 0;  // group: the lanes its last warp operation completed with
  int arg = 0, width = kWarpSize;
  std::uint64_t value = 0, result = 0;
  // Racecheck: the fiber releases on sync_token[parity] when it arrives at a warp operation; the
  // other lanes acquire that token when the operation completes, before it can arrive again.
  char sync_token[2] = {};
  int parity = 0, released = 0, barrier_generation = 0;
  std::vector<PendingCopy> copies;  // cp.async copies not landed yet
  std::vector<detail::AsyncCopy> landing;
  int committed_groups = 0;
  std::string name;
};

// Racecheck: what the host did before a launch, and what the blocks did by its end.
char launch_token, blocks_done_token;

class BlockRunner {
 public:
  void run(const std::function<void()>& body, uint3 block, uint3 block_dim, uint3 grid_dim, std::size_t smem_bytes);
  void wait_at_barrier(const char* file, int line);
  std::uint64_t wait_at_warp_op(WarpOpKind kind, unsigned mask, std::uint64_t value, int arg, int width,
                                const char* file, int line);
  void wait_at_collective(const detail::WarpCollective& op, void* lane_data, const char* file, int line);
  Fiber& current() { return *fibers_[current_]; }  // the GPU thread that is running
  [[noreturn]] void fail_current(const std::string& message) { fail_in_fiber(message); }

 private:
  static void fiber_main();
  void suspend();
  [[noreturn]] void fail_in_fiber(const std::string& message);
  bool complete_warp_ops();
  bool complete_barrier();
  void complete_warp_group(int first, unsigned group);
  void complete_collective(int first);
  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void report_stuck() const;
  Fiber& lane(int first, int lane_index) { return *fibers_[first + lane_index]; }
  void suspend_at_warp_op(Fiber& f);
  void acquire_from_group(const Fiber& f);
  bool collective_ready(const Fiber& f, int first, int lanes);
  std::string where_is(const Fiber& f) const;

  std::vector<std::unique_ptr<Fiber>> fibers_;  // stable addresses: contexts point into them
  ucontext_t scheduler_{};
  void* host_race_fiber_ = nullptr;
  const std::function<void()>* body_ = nullptr;
  std::string fiber_error_;
  uint3 block_{};
  int count_ = 0, current_ = -1, barrier_generation_ = 0;
  char barrier_token_[2] = {}, block_start_token_ = 0, block_end_token_ = 0;
};

thread_local BlockRunner runner;

void BlockRunner::run(const std::function<void()>& body, uint3 block, uint3 block_dim, uint3 grid_dim,
                      std::size_t smem_bytes) {
  detail::block_idx = block;
  detail::block_dim = block_dim;
  detail::grid_dim = grid_dim;
  shared_window().start_block(smem_bytes);  // uninitialised on a GPU: poisoned
  detail::dynamic_smem = shared_window().dynamic();
  host_race_fiber_ = race::current_fiber();
  race::release(&block_start_token_);
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
    f.copies.clear();
    f.committed_groups = 0;
    if constexpr (race::kEnabled) {
      f.name = "block (" + std::to_string(block.x) + "," + std::to_string(block.y) + "," + std::to_string(block.z) +
               ") thread (" + std::to_string(f.index.x) + "," + std::to_string(f.index.y) + "," +
               std::to_string(f.index.z) + ")";
      race::name_fiber(f.race_fiber, f.name.c_str());
    }
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
        race::switch_to(f.race_fiber);
        swapcontext(&scheduler_, &f.context);
        current_ = -1;
        if (!fiber_error_.empty()) fail(fiber_error_);
      }
      finished += f.state == State::finished;
    }
    if (finished == count_) {
      race::acquire(&block_end_token_);
      return;
    }
    if (!complete_warp_ops() && !complete_barrier()) report_stuck();
  }
}

void BlockRunner::fiber_main() {
  BlockRunner& self = runner;
  race::acquire(&launch_token);
  race::acquire(&self.block_start_token_);
  try {
    (*self.body_)();
    detail::cp_async_wait(-1);  // copies still in flight land when the thread exits
  } catch (const std::exception& error) {
    self.fiber_error_ = std::string("a GPU thread threw: ") + error.what();
  }
  race::release(&self.block_end_token_);
  self.fibers_[self.current_]->state = State::finished;
  race::switch_to(self.host_race_fiber_);
}  // returns through uc_link to the scheduler

void BlockRunner::suspend() {
  race::switch_to(host_race_fiber_);
  swapcontext(&fibers_[current_]->context, &scheduler_);
}

void BlockRunner::fail_in_fiber(const std::string& message) {
  fiber_error_ = message;
  fibers_[current_]->state = State::finished;
  race::release(&block_end_token_);
  suspend();  // never resumed: the scheduler throws
  std::abort();
}

void BlockRunner::wait_at_barrier(const char* file, int line) {
  VIT_CHECK(current_ >= 0, "__syncthreads called outside a kernel launched on the SIMT interpreter.");
  Fiber& f = *fibers_[current_];
  f.state = State::at_barrier;
  f.file = file;
  f.line = line;
  f.barrier_generation = barrier_generation_;
  race::release(&barrier_token_[f.barrier_generation & 1]);
  suspend();
  race::acquire(&barrier_token_[f.barrier_generation & 1]);
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
  f.collective = nullptr;
  suspend_at_warp_op(f);
  return f.result;
}

// Racecheck: the lane releases what it did so far on its token of this arrival, and once the
// operation completes it acquires what the other lanes of its group released.
void BlockRunner::suspend_at_warp_op(Fiber& f) {
  race::release(&f.sync_token[f.parity]);
  f.released = f.parity;
  f.parity ^= 1;
  suspend();
  acquire_from_group(f);
}

void BlockRunner::acquire_from_group(const Fiber& f) {
  if constexpr (race::kEnabled) {
    const int first = current_ / kWarpSize * kWarpSize;
    for (int j = 0; j < kWarpSize; ++j) {
      if (f.group >> j & 1u) race::acquire(&lane(first, j).sync_token[lane(first, j).released]);
    }
  }
}

void BlockRunner::wait_at_collective(const detail::WarpCollective& op, void* lane_data, const char* file, int line) {
  VIT_CHECK(current_ >= 0, op.name, " called outside a kernel launched on the SIMT interpreter.");
  Fiber& f = *fibers_[current_];
  f.state = State::at_warp_op;
  f.op = WarpOpKind::collective;
  f.collective = &op;
  f.lane_data = lane_data;
  f.mask = ~0u;
  f.file = file;
  f.line = line;
  suspend_at_warp_op(f);
}

// Where a lane that does not wait at `f`'s operation is, for an error message.
std::string BlockRunner::where_is(const Fiber& f) const {
  switch (f.state) {
    case State::finished: return "exited";
    case State::at_barrier: return "waits at __syncthreads (" + site(f.file, f.line) + ")";
    case State::at_warp_op:
      return std::string("waits at ") + (f.collective != nullptr ? f.collective->name : op_name(f.op)) + " (" +
             site(f.file, f.line) + ")";
    case State::runnable: return "is still running";
  }
  return "is elsewhere";
}

// A warp-collective completes when all 32 lanes wait at the same one at the same source line
// (.aligned); a lane that exited or waits elsewhere while the others cannot go on is a bug.
bool BlockRunner::collective_ready(const Fiber& f, int first, int lanes) {
  const std::string where = std::string(f.collective->name) + " at " + site(f.file, f.line);
  const int warp = first / kWarpSize;
  if (lanes < kWarpSize) {
    fail(where + ": warp " + std::to_string(warp) + " has only " + std::to_string(lanes) +
         " threads; .aligned warp operations need all 32 lanes");
  }
  for (int j = 0; j < kWarpSize; ++j) {
    const Fiber& other = lane(first, j);
    const bool same = other.state == State::at_warp_op && other.collective == f.collective &&
                      other.line == f.line && std::strcmp(other.file, f.file) == 0;
    if (same) continue;
    if (other.state == State::runnable) return false;
    if (other.state == State::at_warp_op && other.op != WarpOpKind::collective) return false;  // may come later
    fail(where + ": lane " + std::to_string(j) + " of warp " + std::to_string(warp) + " " + where_is(other) +
         "; every lane of the warp must execute the same .aligned operation");
  }
  return true;
}

// Completes every warp operation whose lanes have all arrived; true if any lane was released.
bool BlockRunner::complete_warp_ops() {
  bool released = false;
  for (int i = 0; i < count_; ++i) {
    const Fiber& f = *fibers_[i];
    if (f.state != State::at_warp_op) continue;
    const int first = i / kWarpSize * kWarpSize, lanes = std::min(kWarpSize, count_ - first);
    if (f.op == WarpOpKind::collective) {
      if (collective_ready(f, first, lanes)) {
        complete_collective(first);
        released = true;
      }
      continue;
    }
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
        if (other.op == WarpOpKind::collective) {
          fail(where + ": lane " + std::to_string(j) + " of warp " + std::to_string(i / kWarpSize) + " " +
               where_is(other) + " instead");
        }
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
    if (group >> j & 1u) {
      lane(first, j).state = State::runnable;
      lane(first, j).group = group;
    }
  }
}

void BlockRunner::complete_collective(int first) {
  void* lanes[kWarpSize];
  for (int j = 0; j < kWarpSize; ++j) lanes[j] = lane(first, j).lane_data;
  lane(first, 0).collective->complete(lanes);
  for (int j = 0; j < kWarpSize; ++j) {
    lane(first, j).state = State::runnable;
    lane(first, j).group = ~0u;
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
  ++barrier_generation_;
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
  if constexpr (race::kEnabled) {  // the threads that never finish released at their last wait
    auto* self = const_cast<BlockRunner*>(this);
    for (int i = 0; i < count_; ++i) {
      for (char& token : self->fibers_[i]->sync_token) race::acquire(&token);
    }
    for (char& token : self->barrier_token_) race::acquire(&token);
    race::acquire(&self->block_end_token_);
  }
  VIT_FAIL("SIMT interpreter, block (", block_.x, ",", block_.y, ",", block_.z, "): ", message, ".");
}

#if VIT_RACECHECK
// Racecheck looks for races between the GPU threads of a block, which are TSan fibers of one host
// thread. libgomp's synchronisation is invisible to TSan, so a racecheck build runs every OpenMP
// region (the interpreter's blocks and the CPU ops alike) on one host thread.
const bool single_host_thread = [] {
  omp_set_num_threads(1);
  return true;
}();
#endif

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

void warp_collective(const WarpCollective& op, void* lane_data, const char* file, int line) {
  runner.wait_at_collective(op, lane_data, file, line);
}

void check_shared_access(const char* what, const void* address, std::size_t bytes, std::size_t alignment,
                         const char* file, int line) {
  const auto where = [&] {
    return std::string(what) + " at " + site(file, line) + ": thread (" + std::to_string(thread_idx.x) + "," +
           std::to_string(thread_idx.y) + "," + std::to_string(thread_idx.z) + ") hands in an address ";
  };
  if (reinterpret_cast<std::uintptr_t>(address) % alignment != 0) {
    runner.fail_current(where() + "that is not " + std::to_string(alignment) + "-byte aligned");
  }
  if (!shared_window().contains(address, bytes)) {
    runner.fail_current(where() + "whose " + std::to_string(bytes) +
                        " bytes are not all in the block's shared memory");
  }
}

void cp_async(void* destination, const void* source, int bytes, int source_bytes, const char* file, int line) {
  check_shared_access("cp.async", destination, static_cast<std::size_t>(bytes), static_cast<std::size_t>(bytes),
                      file, line);
  if (source_bytes < 0 || source_bytes > bytes || reinterpret_cast<std::uintptr_t>(source) % bytes != 0) {
    runner.fail_current("cp.async at " + site(file, line) + ": source size " + std::to_string(source_bytes) +
                        " is not in 0.." + std::to_string(bytes) + " or the source is not " +
                        std::to_string(bytes) + "-byte aligned");
  }
  runner.current().copies.push_back({{destination, source, bytes, source_bytes}, -1});
}

void cp_async_commit() {
  Fiber& f = runner.current();
  for (PendingCopy& pending : f.copies) {
    if (pending.group < 0) pending.group = f.committed_groups;
  }
  ++f.committed_groups;
}

std::vector<AsyncCopy>& cp_async_take_due(int pending) {
  Fiber& f = runner.current();
  f.landing.clear();
  const int due_before = pending < 0 ? f.committed_groups + 1 : f.committed_groups - pending;
  std::erase_if(f.copies, [&](const PendingCopy& copy) {
    const bool due = pending < 0 || (copy.group >= 0 && copy.group < due_before);
    if (due) f.landing.push_back(copy.copy);
    return due;
  });
  return f.landing;
}

}  // namespace detail

namespace {
std::atomic<BlockOrder> block_order{BlockOrder::forward};
}  // namespace

void set_block_order(BlockOrder order) { block_order = order; }

bool kernels_skipped() {
  static const bool skipped = std::getenv("VIT_SIM_SKIP_KERNELS") != nullptr;
  return skipped;
}

void launch(dim3 grid, dim3 block, std::size_t dynamic_smem_bytes, const std::function<void()>& thread_body,
            const char* file, int line) {
  const std::int64_t threads = std::int64_t{block.x} * block.y * block.z;
  const std::int64_t blocks = std::int64_t{grid.x} * grid.y * grid.z;
  VIT_CHECK(threads >= 1 && threads <= kMaxBlockThreads && block.z <= 64, "kernel launched at ", file, ":", line,
            ": block (", block.x, ",", block.y, ",", block.z, ") must have 1 to ", kMaxBlockThreads, " threads.");
  VIT_CHECK(blocks >= 1 && grid.y <= 65535 && grid.z <= 65535, "kernel launched at ", file, ":", line, ": grid (",
            grid.x, ",", grid.y, ",", grid.z, ") is empty or too large.");
  VIT_CHECK(dynamic_smem_bytes <= kMaxBlockSmem, "kernel launched at ", file, ":", line, ": ",
            dynamic_smem_bytes, " bytes of dynamic shared memory exceed the ", kMaxBlockSmem, "-byte limit.");
  if (kernels_skipped()) return;
  std::atomic<bool> failed{false};
  std::string first_error;
  std::mutex error_mutex;
  race::release(&launch_token);
  const bool reverse = block_order == BlockOrder::reverse;
#pragma omp parallel for schedule(dynamic) num_threads(host_threads(blocks))
  for (std::int64_t i = 0; i < blocks; ++i) {
    if (failed.load(std::memory_order_relaxed)) continue;
    const std::int64_t b = reverse ? blocks - 1 - i : i;
    set_current_launch(file, line);
    const uint3 index{static_cast<unsigned>(b % grid.x), static_cast<unsigned>(b / grid.x % grid.y),
                      static_cast<unsigned>(b / (std::int64_t{grid.x} * grid.y))};
    try {
      runner.run(thread_body, index, {block.x, block.y, block.z}, {grid.x, grid.y, grid.z}, dynamic_smem_bytes);
    } catch (const std::exception& error) {
      const std::lock_guard<std::mutex> lock(error_mutex);
      if (!failed.exchange(true)) first_error = error.what();
    }
    race::release(&blocks_done_token);
  }
  race::acquire(&blocks_done_token);
  if (failed) throw Error("kernel launched at " + site(file, line) + ": " + first_error);
}

}  // namespace vit::simt

#if VIT_RACECHECK
// Stop at the first race, so that its report ends a failing test's output.
extern "C" const char* __tsan_default_options() { return "halt_on_error=1"; }
#endif
