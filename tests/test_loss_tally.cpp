// cross_entropy_and_correct's correct count (the first arg-max; NaN is never a maximum) and the
// LossTally's running sums, on the cpu (tests/cuda/test_train_step_sync.cpp: on cuda).
#include <catch2/catch.hpp>

#include <cmath>

#include "vitcuda/vitcuda.h"

using namespace vit;

TEST_CASE("loss tally: the correct count takes the first maximum and skips NaN", "[ops][loss]") {
  const Tensor logits = Tensor::from_vector({1, 3, 3,                          // tie: class 1 is the first maximum
                                             NAN, 2, 1,                        // NaN is never a maximum: class 1
                                             -INFINITY, -INFINITY, -INFINITY,  // no maximum: never correct
                                             5, 1, 0},
                                            {4, 3});
  const Tensor labels = Tensor::from_int32({1, 1, 0, 2}, {4});
  Tape tape;
  const CrossEntropy out = cross_entropy_and_correct(logits, labels, 0.0f, tape);
  CHECK(out.correct.dtype() == DType::i32);
  CHECK(out.correct.to_vector()[0] == 2.0f);
  CHECK(std::isnan(out.loss.item()));  // the NaN row
}

TEST_CASE("loss tally: sums each batch's mean loss times its rows, in float64", "[ops][loss]") {
  Tape tape;
  LossTally tally(Device::cpu());
  const Tensor labels = Tensor::from_int32({0, 1, 1}, {3});
  const CrossEntropy a = cross_entropy_and_correct(Tensor::from_vector({2, 0, 1, 0, 0, 3}, {3, 2}), labels, 0.1f, tape);
  const CrossEntropy b = cross_entropy_and_correct(Tensor::from_vector({0, 1}, {1, 2}), labels.slice(0, 1), 0.0f, tape);
  tally.add(a, 3);
  tally.add(b, 1);
  const LossTally::Sums sums = tally.read();
  CHECK(sums.loss_sum == static_cast<double>(a.loss.item()) * 3.0 + static_cast<double>(b.loss.item()));
  CHECK(sums.correct == 2);  // rows 0 and 2 of a
  tally.reset();
  CHECK(tally.read().loss_sum == 0.0);
  CHECK_THROWS_WITH(tally.add(a, 0), Catch::Contains("at least one row"));
}

TEST_CASE("prediction counts: top-1 is the first maximum, top-5 the rank, confusion by first arg-max", "[ops][loss]") {
  const Tensor logits = Tensor::from_vector({1,   3, 3, 0, 0, 0,     // label 2 ties class 1, which comes first
                                             6,   5, 4, 3, 2, 1,     // label 5 ranks 5: outside the top 5
                                             NAN, 1, 2, 3, 4, 5,     // NaN is never the maximum: class 5
                                             0,   0, 0, 0, 0, NAN},  // a NaN label logit ranks last
                                            {4, 6});
  const Tensor labels = Tensor::from_int32({2, 5, 5, 5}, {4});
  PredictionCounts counts(Device::cpu(), 6);
  counts.add(logits, labels);
  counts.add(logits.slice(2, 3), labels.slice(2, 3));
  const PredictionCounts::Counts got = counts.read();
  CHECK(got.top1 == 2);  // row 2, twice
  CHECK(got.top5 == 3);  // rows 0 and 2 (twice)
  CHECK(got.confusion[2 * 6 + 1] == 1);
  CHECK(got.confusion[5 * 6 + 0] == 2);  // rows 1 and 3 (no number above -inf in row 3 but zeros: class 0)
  CHECK(got.confusion[5 * 6 + 5] == 2);
  CHECK_THROWS_WITH(counts.add(logits, labels.slice(0, 2)), Catch::Contains("PredictionCounts::add takes logits"));
}
