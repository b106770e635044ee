#include <catch2/catch.hpp>

#include "runtime/host_allocator.h"
#include "vitcuda/runtime/tensor.h"

using namespace vit;

TEST_CASE("host allocator: large blocks are cached and reused", "[runtime]") {
  host::empty_cache();
  void* first = nullptr;
  {
    Tensor big = Tensor::empty({1000, 100});  // 400 KB
    first = big.raw_data();
  }
  CHECK(host::cached_bytes() >= 400000);
  Tensor again = Tensor::empty({100, 1000});  // same size: the cached block comes back
  CHECK(again.raw_data() == first);
  CHECK(host::cached_bytes() == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(again.raw_data()) % 64 == 0);
}

TEST_CASE("host allocator: small blocks bypass the cache and empty_cache frees", "[runtime]") {
  host::empty_cache();
  { Tensor small = Tensor::empty({10}); }
  CHECK(host::cached_bytes() == 0);
  { Tensor big = Tensor::empty({1 << 20}); }
  CHECK(host::cached_bytes() == 4u << 20);
  host::empty_cache();
  CHECK(host::cached_bytes() == 0);
}
