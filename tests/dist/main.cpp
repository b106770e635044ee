// Catch2 runner of the data-parallel tests: every process of `mpirun -np 2 vit_dist_tests` runs
// the same test cases, which talk through the world's process group. The exit status is non-zero
// when a test failed on any process.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "process_tmpdir.h"
#include "vitcuda/dist/process_group.h"

int main(int argc, char** argv) {
  const vit::testing::ProcessTmpdir tmpdir;  // each process its own temporary folder
  vit::dist::ProcessGroup& group = vit::dist::ProcessGroup::init({.timeout_seconds = 120});
  if (group.size() != 2) {
    std::fprintf(stderr, "vit_dist_tests: run me as 'mpirun -np 2 vit_dist_tests' (this is %d process(es)).\n",
                 group.size());
    return 1;
  }
  std::int64_t failed = Catch::Session().run(argc, argv) != 0 ? 1 : 0;
  group.all_reduce_sum(std::span<std::int64_t>(&failed, 1));
  return failed > 0 ? 1 : 0;
}
