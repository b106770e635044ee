#pragma once
#include <cstdint>
#include <vector>

#include "vitcuda/autograd/tape.h"

namespace vit {

// Mean softmax cross-entropy of logits [B, C] against class indices labels [B] (i32), with
// label smoothing s: the target is (1-s) on the label plus s/C on every class. Returns a scalar.
// A label outside [0, C) throws; on cuda the check runs on the device, so the error comes at the
// next read from the device (item(), to(cpu), LossTally::read()) and the loss is NaN.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, float label_smoothing, Tape& tape);

// The same loss, and from the same pass over the logits the number of rows whose first arg-max
// is the label (an i32 scalar on the logits' device).
struct CrossEntropy {
  Tensor loss, correct;
};
CrossEntropy cross_entropy_and_correct(const Tensor& logits, const Tensor& labels, float label_smoothing, Tape& tape);

// An epoch's running sums on the device of its batches: add() only queues work, so a training
// step never waits for the device; read() copies the sums back (on cuda it waits, and raises a
// fault the loss reported). The loss sum is float64 added in batch order: the bits of a host loop.
class LossTally {
 public:
  struct Sums {
    double loss_sum = 0;  // per-image losses, summed
    std::int64_t correct = 0;
  };

  explicit LossTally(Device device);
  void add(const CrossEntropy& batch, std::int64_t rows);  // the loss is the batch's mean over its rows
  Sums read() const;
  void reset();

 private:
  Tensor sums_;  // u8 [16]: the float64 loss sum, then the int64 correct count
};

// Top-1, top-5 and confusion counts of an evaluation, on the device of its batches: add() queues
// one kernel, read() copies them back. A label ranks by how many classes score above it (ties to
// the smaller index: top-1 is the first arg-max; a NaN label logit ranks last); the confusion
// matrix counts (label, first arg-max) pairs. Integer counts: exact in any order.
class PredictionCounts {
 public:
  struct Counts {
    std::int64_t top1 = 0, top5 = 0;
    std::vector<std::int64_t> confusion;  // [label * classes + predicted]
  };

  PredictionCounts(Device device, int classes);
  void add(const Tensor& logits, const Tensor& labels);  // logits [B, classes], labels [B] i32
  Counts read() const;
  void reset();

 private:
  int classes_;
  Tensor counts_;  // i32 [2 + classes^2]: top-1, top-5, the confusion matrix
};

}  // namespace vit
