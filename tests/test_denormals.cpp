// flush_denormals_to_zero: a product that lands in float's denormal range gives zero afterwards,
// on the calling thread and on every OpenMP thread. (train::run sets it for its whole process.)
#include <catch2/catch.hpp>

#include <omp.h>

#include <vector>

#include "runtime/denormals.h"

TEST_CASE("denormals: flushed to zero on the caller and the OpenMP threads", "[cpu]") {
  volatile float smallest_normal = 1.17549435e-38f;  // volatile: computed at run time
  vit::flush_denormals_to_zero();
  CHECK(smallest_normal * 0.5f == 0.0f);
  std::vector<float> per_thread(omp_get_max_threads(), -1.0f);
#pragma omp parallel
  per_thread[omp_get_thread_num()] = smallest_normal * 0.5f;
  for (float value : per_thread) CHECK(value == 0.0f);
}
