// Catch2 runner for the CUDA tests: exits 77 (CTest: skipped) when no GPU is present, except when
// Catch2 only lists the tests (test discovery at build time). Each process runs in its own
// temporary folder (process_tmpdir.h).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "process_tmpdir.h"
#include "runtime/cuda/device.h"

int main(int argc, char** argv) {
  const vit::testing::ProcessTmpdir tmpdir;
  Catch::Session session;
  if (const int status = session.applyCommandLine(argc, argv); status != 0) return status;
  const Catch::ConfigData& config = session.configData();
  const bool listing = config.listTests || config.listTestNamesOnly || config.listTags || config.listReporters;
  if (!listing && !vit::cuda::device_available()) {
    std::puts("no CUDA device present: skipping the GPU tests");
    return 77;
  }
  return session.run();
}
