#pragma once
// CPU reference softmax cross-entropy with label smoothing over logits [rows, classes].
#include <cstdint>

namespace vit::cpu {

// Returns the mean loss over rows; target = (1-s) one-hot(label) + s/C.
float cross_entropy_forward(const float* logits, const std::int32_t* labels, std::int64_t rows,
                            std::int64_t classes, float smoothing);

// dlogits = (softmax - target) * dloss / rows.
void cross_entropy_backward(const float* logits, const std::int32_t* labels, float dloss,
                            float* dlogits, std::int64_t rows, std::int64_t classes, float smoothing);

// The number of rows whose first arg-max is the label; NaN is never a maximum (as on cuda).
std::int32_t count_correct(const float* logits, const std::int32_t* labels, std::int64_t rows, std::int64_t classes);

// The label's rank among the row's logits: how many classes score above it, ties going to the
// smaller index (so the first maximum ranks 0); a NaN label logit ranks last (classes).
std::int64_t label_rank(const float* row, std::int64_t classes, std::int32_t label);

// Per row: counts[0] += rank 0 (top-1), counts[1] += rank < 5 (top-5), and
// confusion[label * classes + first arg-max] += 1, with counts = {top1, top5, confusion...}.
void count_predictions(const float* logits, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                       std::int32_t* counts);

// A batch's share of an epoch's running sums: *loss_sum += *loss * rows, *correct_sum += *correct.
void tally_batch(const float* loss, const std::int32_t* correct, std::int64_t rows, double* loss_sum,
                 std::int64_t* correct_sum);

}  // namespace vit::cpu
