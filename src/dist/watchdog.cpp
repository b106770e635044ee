#include "dist/watchdog.h"

#include <cstdio>
#include <cstdlib>

namespace vit::dist {

Watchdog::Watchdog(int rank, double timeout_seconds)
    : rank_(rank), timeout_seconds_(timeout_seconds), thread_([this] { watch(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Watchdog::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(1));
    if (waiting_for_ == nullptr) continue;
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - since_).count();
    if (waited < timeout_seconds_) continue;
    std::fprintf(stderr,
                 "vitcuda: rank %d waited %.0f s for the other processes in %s: one of them died or hangs; "
                 "stopping (raise the limit with --dist-timeout).\n",
                 rank_, waited, waiting_for_);
    std::fflush(stderr);
    std::fflush(stdout);
    std::_Exit(1);  // without MPI_Finalize, which would wait for the lost rank: mpirun stops the rest
  }
}

Watchdog::Wait::Wait(Watchdog& watchdog, const char* what) : watchdog_(watchdog) {
  std::lock_guard lock(watchdog_.mutex_);
  watchdog_.waiting_for_ = what;
  watchdog_.since_ = std::chrono::steady_clock::now();
}

Watchdog::Wait::~Wait() {
  std::lock_guard lock(watchdog_.mutex_);
  watchdog_.waiting_for_ = nullptr;
}

}  // namespace vit::dist
