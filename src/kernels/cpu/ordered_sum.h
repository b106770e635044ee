#pragma once
// A parallel sum with a fixed order: terms are added in double within fixed blocks of indices,
// the blocks in parallel, then the block sums in index order. The result has the same bits on
// every run and thread count, which an OpenMP reduction does not give (it adds the threads'
// partial sums in the order they finish).
#include <algorithm>
#include <cstdint>
#include <vector>

namespace vit::cpu {

// Sums term(i) for i in [0, n); `block` indices per parallel task.
template <typename Term>
double ordered_sum(std::int64_t n, std::int64_t block, Term term) {
  const std::int64_t blocks = (n + block - 1) / block;
  std::vector<double> partial(static_cast<std::size_t>(blocks));
#pragma omp parallel for if (blocks > 1)
  for (std::int64_t b = 0; b < blocks; ++b) {
    double sum = 0.0;
    for (std::int64_t i = b * block, end = std::min(n, i + block); i < end; ++i) sum += term(i);
    partial[static_cast<std::size_t>(b)] = sum;
  }
  double total = 0.0;
  for (const double sum : partial) total += sum;
  return total;
}

}  // namespace vit::cpu
