#pragma once
#include "vitcuda/autograd/tape.h"

namespace vit {

// Mean softmax cross-entropy of logits [B, C] against class indices labels [B] (i32), with
// label smoothing s: the target is (1-s) on the label plus s/C on every class. Returns a scalar.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, float label_smoothing, Tape& tape);

}  // namespace vit
