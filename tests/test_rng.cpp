#include <catch2/catch.hpp>

#include "vitcuda/runtime/rng.h"

TEST_CASE("philox4x32-10 matches the Random123 known-answer vectors", "[rng]") {
  using Words = std::array<std::uint32_t, 4>;
  CHECK(vit::philox4x32({0, 0, 0, 0}, 0) == Words{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(vit::philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, 0xffffffffffffffffull) ==
        Words{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(vit::philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, 0x299f31d0a4093822ull) ==
        Words{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("philox_uniform stays in the unit interval and is roughly uniform", "[rng]") {
  constexpr int n = 100000;
  int below_quarter = 0;
  for (int i = 0; i < n; ++i) {
    const float u = vit::philox_uniform(42, i);
    REQUIRE(u >= 0.0f);
    REQUIRE(u < 1.0f);
    below_quarter += u < 0.25f;
  }
  CHECK(std::abs(below_quarter / double(n) - 0.25) < 0.01);
  CHECK(vit::philox_uniform(1, 5) != vit::philox_uniform(2, 5));
}
