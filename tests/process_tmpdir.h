#pragma once
// Gives a test process a temporary folder of its own: TMPDIR=<system temp>/vit_tests.<pid>, made
// at start and removed at exit, so std::filesystem::temp_directory_path() and every scratch path
// built on it are private. ctest runs each test case as its own process, so two runs of the tests
// on one machine (a CI clone beside a working copy) no longer remove each other's files.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace vit::testing {

class ProcessTmpdir {
 public:
  ProcessTmpdir()
      : path_(std::filesystem::temp_directory_path() / ("vit_tests." + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
    ::setenv("TMPDIR", path_.c_str(), 1);
  }
  ~ProcessTmpdir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ProcessTmpdir(const ProcessTmpdir&) = delete;
  ProcessTmpdir& operator=(const ProcessTmpdir&) = delete;

 private:
  std::filesystem::path path_;
};

}  // namespace vit::testing
