// Catch2 runner of the cpu tests, each process in its own temporary folder (process_tmpdir.h).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "process_tmpdir.h"

int main(int argc, char** argv) {
  const vit::testing::ProcessTmpdir tmpdir;
  return Catch::Session().run(argc, argv);
}
