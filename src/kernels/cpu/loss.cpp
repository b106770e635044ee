// CPU reference cross-entropy: per row a max, a log-sum-exp and the target-weighted sum, in
// double; the backward recomputes the softmax from the logits instead of saving it.
#include "kernels/cpu/loss.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/ordered_sum.h"

namespace vit::cpu {

namespace {

// The first index of the row's maximum, or -1 for a row of NaN and -inf only (as on cuda).
std::int64_t first_argmax(const float* row, std::int64_t classes) {
  float top = -INFINITY;
  std::int64_t best = -1;
  for (std::int64_t c = 0; c < classes; ++c) {
    if (row[c] > top) {
      top = row[c];
      best = c;
    }
  }
  return best;
}

double row_log_sum_exp(const float* row, std::int64_t classes) {
  const float row_max = *std::max_element(row, row + classes);
  double sum = 0.0;
  for (std::int64_t c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(row[c]) - row_max);
  return row_max + std::log(sum);
}

}  // namespace

float cross_entropy_forward(const float* logits, const std::int32_t* labels, std::int64_t rows,
                            std::int64_t classes, float smoothing) {
  const double total = ordered_sum(rows, 1, [&](std::int64_t r) {
    const float* row = logits + r * classes;
    const double lse = row_log_sum_exp(row, classes);
    double sum_logits = 0.0;
    for (std::int64_t c = 0; c < classes; ++c) sum_logits += row[c];
    // -sum_c target_c log p_c with log p_c = logit_c - lse
    return (1.0 - smoothing) * (lse - row[labels[r]]) + smoothing * (lse - sum_logits / classes);
  });
  return static_cast<float>(total / static_cast<double>(rows));
}

void cross_entropy_backward(const float* logits, const std::int32_t* labels, float dloss,
                            float* dlogits, std::int64_t rows, std::int64_t classes, float smoothing) {
  const double row_scale = static_cast<double>(dloss) / static_cast<double>(rows);
#pragma omp parallel for
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = logits + r * classes;
    const double lse = row_log_sum_exp(row, classes);
    for (std::int64_t c = 0; c < classes; ++c) {
      const double target = smoothing / classes + (c == labels[r] ? 1.0 - smoothing : 0.0);
      dlogits[r * classes + c] = static_cast<float>((std::exp(row[c] - lse) - target) * row_scale);
    }
  }
}

std::int32_t count_correct(const float* logits, const std::int32_t* labels, std::int64_t rows, std::int64_t classes) {
  std::int32_t correct = 0;
  for (std::int64_t r = 0; r < rows; ++r) correct += first_argmax(logits + r * classes, classes) == labels[r];
  return correct;
}

std::int64_t label_rank(const float* row, std::int64_t classes, std::int32_t label) {
  const float target = row[label];
  if (std::isnan(target)) return classes;
  std::int64_t rank = 0;
  for (std::int64_t c = 0; c < classes; ++c) rank += row[c] > target || (row[c] == target && c < label);
  return rank;
}

void count_predictions(const float* logits, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                       std::int32_t* counts) {
  for (std::int64_t r = 0; r < rows; ++r) {
    if (labels[r] < 0 || labels[r] >= classes) continue;  // cross_entropy reports it
    const float* row = logits + r * classes;
    const std::int64_t rank = label_rank(row, classes, labels[r]);
    counts[0] += rank == 0;
    counts[1] += rank < 5;
    const std::int64_t best = std::max<std::int64_t>(first_argmax(row, classes), 0);  // none: class 0, as on cuda
    ++counts[2 + labels[r] * classes + best];
  }
}

void tally_batch(const float* loss, const std::int32_t* correct, std::int64_t rows, double* loss_sum,
                 std::int64_t* correct_sum) {
  *loss_sum += static_cast<double>(*loss) * static_cast<double>(rows);
  *correct_sum += *correct;
}

}  // namespace vit::cpu
