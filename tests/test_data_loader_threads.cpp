// The loader's worker threads: a worker count past the cap is refused, and when the system runs
// out of threads or memory part-way, the started ones are joined and one clear error is thrown
// (before, the half-built loader destroyed joinable threads: "terminate called without an
// active exception").
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "vitcuda/data/loader.h"
#include "vitcuda/runtime/check.h"

using namespace vit;

namespace {

std::vector<data::Sample> fake_samples() { return {{"never_read_0.png", 0}, {"never_read_1.png", 1}}; }

data::LoaderOptions with_workers(int workers) {
  data::LoaderOptions options;
  options.workers = workers;
  options.batch_size = 1;
  options.transform.size = 8;
  return options;
}

}  // namespace

TEST_CASE("loader threads: more workers than the cap are refused", "[data][loader]") {
  CHECK_THROWS_WITH(data::Loader(fake_samples(), with_workers(data::Loader::kMaxWorkers + 1)),
                    Catch::Contains("workers must be between 1 and 256"));
}

TEST_CASE("loader threads: running out of memory part-way joins the started threads and throws", "[data][loader]") {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // address space for about 8 thread stacks of 8 MiB beyond what is mapped now
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const rlim_t limit = static_cast<rlim_t>(pages) * sysconf(_SC_PAGESIZE) + (64u << 20);
    const rlimit address_space{limit, limit};
    if (setrlimit(RLIMIT_AS, &address_space) != 0) _exit(3);
    try {
      data::Loader loader(fake_samples(), with_workers(data::Loader::kMaxWorkers));
      _exit(4);  // every thread started: the limit did not bite
    } catch (const Error& error) {
      _exit(std::string(error.what()).find("cannot start 256 loader threads") != std::string::npos ? 0 : 5);
    } catch (...) {
      _exit(6);
    }
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  INFO("child status " << status);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
