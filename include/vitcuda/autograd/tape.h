#pragma once
// Tape-based reverse-mode autograd. Each op called with a Tape records, when any input requires
// grad, one entry: its inputs, its output and a closure that turns the output's gradient into
// gradients of its inputs. backward() walks the entries in reverse order and frees each one (and
// with it the activations it saved) and its output's gradient as soon as it has run; leaves
// (parameters, inputs the user marked) keep their accumulated gradients until zero_grad().
#include <functional>
#include <string>
#include <vector>

#include "vitcuda/runtime/tensor.h"

namespace vit {

class Tape {
 public:
  using BackwardFn = std::function<void(const Tensor& grad_output)>;

  Tape() = default;
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  // True when an op on these inputs must be recorded: grad mode on and some input requires grad.
  static bool needs_grad(std::initializer_list<const Tensor*> inputs);

  // Marks `output` as produced by a recorded op and stores the closure.
  void record(std::string op_name, Tensor& output, BackwardFn backward);

  // Called after each entry of the walk has run: a data-parallel reducer sends the gradients
  // that are complete while the walk goes on.
  using WalkObserver = std::function<void()>;

  void backward(const Tensor& loss);  // loss must hold one element; its gradient seed is 1
  void backward(const Tensor& output, const Tensor& grad_output, const WalkObserver& after_each_entry = {});

  std::size_t size() const { return entries_.size(); }
  std::vector<std::string> op_names() const;
  void clear();

 private:
  struct Entry {
    std::string op_name;
    GradSlot output;  // the output's gradient only: its data is freed when the forward drops it
    BackwardFn backward;
  };
  std::vector<Entry> entries_;
};

// While alive, ops record nothing on this thread (evaluation, optimizer updates).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

bool grad_enabled();

}  // namespace vit
