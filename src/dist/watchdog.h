#pragma once
// Ends this process when one of its collectives waits too long for the others: a rank that died
// mid-collective or hangs would otherwise keep every other rank waiting for ever. A thread
// checks the open wait once a second; past the timeout it prints one sentence and exits without
// MPI_Finalize, which makes mpirun stop the other processes.
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace vit::dist {

class Watchdog {
 public:
  Watchdog(int rank, double timeout_seconds);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Watches the wait from its construction to its destruction.
  class Wait {
   public:
    Wait(Watchdog& watchdog, const char* what);
    ~Wait();
    Wait(const Wait&) = delete;
    Wait& operator=(const Wait&) = delete;

   private:
    Watchdog& watchdog_;
  };

 private:
  void watch();

  int rank_;
  double timeout_seconds_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  const char* waiting_for_ = nullptr;  // the open wait, or null
  std::chrono::steady_clock::time_point since_;
  std::thread thread_;
};

}  // namespace vit::dist
