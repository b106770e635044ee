// The CPU sums that feed the training (loss, mean, gradient norm) have the same bits for every
// thread count: ordered_sum adds fixed blocks, then the block sums in order, where an OpenMP
// reduction adds the threads' partial sums in the order they finish.
#include <catch2/catch.hpp>

#include <omp.h>

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "kernels/cpu/loss.h"
#include "kernels/cpu/optimizer.h"
#include "kernels/cpu/ordered_sum.h"
#include "kernels/cpu/reduce.h"

namespace {

// The results of `sum` with 1, 2, 3 and 5 OpenMP threads (the default restored afterwards).
std::vector<double> at_thread_counts(const std::function<double()>& sum) {
  const int before = omp_get_max_threads();
  std::vector<double> results;
  for (int threads : {1, 2, 3, 5}) {
    omp_set_num_threads(threads);
    results.push_back(sum());
  }
  omp_set_num_threads(before);
  return results;
}

std::vector<float> random_values(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> values(n);
  for (float& v : values) v = normal(rng);
  return values;
}

}  // namespace

TEST_CASE("ordered_sum: the block sums added in order whatever the thread count", "[cpu]") {
  const std::vector<float> x = random_values(100003, 1);
  const std::int64_t block = 4099;
  double expected = 0.0;
  for (std::int64_t start = 0; start < static_cast<std::int64_t>(x.size()); start += block) {
    double partial = 0.0;
    for (std::int64_t i = start; i < std::min<std::int64_t>(start + block, x.size()); ++i) partial += x[i];
    expected += partial;
  }
  for (double result : at_thread_counts([&] {
         return vit::cpu::ordered_sum(x.size(), block, [&](std::int64_t i) { return double{x[i]}; });
       })) {
    CHECK(result == expected);
  }
}

TEST_CASE("cpu sums: loss mean and sum of squares have the same bits on 1 2 3 and 5 threads", "[cpu]") {
  const std::int64_t rows = 257, classes = 1000;
  const std::vector<float> logits = random_values(rows * classes, 2);
  std::vector<std::int32_t> labels(rows);
  for (std::int64_t r = 0; r < rows; ++r) labels[r] = static_cast<std::int32_t>((r * 37) % classes);
  const std::vector<float> big = random_values(1 << 20, 3);
  const std::vector<std::function<double()>> sums = {
      [&] { return vit::cpu::cross_entropy_forward(logits.data(), labels.data(), rows, classes, 0.1f); },
      [&] { return vit::cpu::mean_forward(big.data(), big.size()); },
      [&] { return vit::cpu::sum_of_squares(big.data(), big.size()); }};
  for (const auto& sum : sums) {
    const std::vector<double> results = at_thread_counts(sum);
    for (double result : results) CHECK(result == results[0]);
  }
}
