// Properties of the random ops beyond the golden masks: drop rate, determinism, identity at p = 0,
// and that the backward applies the forward's mask.
#include <catch2/catch.hpp>

#include "vitcuda/ops.h"

using namespace vit;

TEST_CASE("dropout: drops about p of the elements and rescales the rest", "[ops][dropout]") {
  Tape tape;
  const Tensor x = Tensor::full({200, 500}, 1.0f);
  const std::vector<float> y = dropout(x, 0.25f, 99, tape).to_vector();
  std::size_t dropped = 0;
  for (float v : y) {
    if (v == 0.0f) {
      ++dropped;
    } else {
      REQUIRE(v == Approx(1.0f / 0.75f));
    }
  }
  CHECK(std::abs(dropped / double(y.size()) - 0.25) < 0.01);
}

TEST_CASE("dropout: same seed same mask and other seed other mask", "[ops][dropout]") {
  Tape tape;
  const Tensor x = Tensor::full({1000}, 1.0f);
  CHECK(dropout(x, 0.5f, 7, tape).to_vector() == dropout(x, 0.5f, 7, tape).to_vector());
  CHECK(dropout(x, 0.5f, 7, tape).to_vector() != dropout(x, 0.5f, 8, tape).to_vector());
  CHECK(dropout(x, 0.0f, 7, tape).same_as(x));
  CHECK(drop_path(x.reshape({10, 100}), 0.0f, 7, tape).to_vector() == x.to_vector());
}

TEST_CASE("drop_path: zeroes whole samples and the gradient follows the mask", "[ops][dropout]") {
  Tensor x = Tensor::full({64, 3, 4}, 2.0f);
  x.set_requires_grad();
  Tape tape;
  const Tensor y = drop_path(x, 0.5f, 3, tape);
  tape.backward(mean(y, tape));
  const std::vector<float> out = y.to_vector(), grad = x.grad().to_vector();
  int kept = 0;
  for (int b = 0; b < 64; ++b) {
    const float first = out[b * 12];
    for (int j = 0; j < 12; ++j) REQUIRE(out[b * 12 + j] == first);  // whole sample
    REQUIRE((first == 0.0f || first == 4.0f));
    REQUIRE((grad[b * 12] == 0.0f) == (first == 0.0f));
    kept += first != 0.0f;
  }
  CHECK(kept > 16);
  CHECK(kept < 48);
}
