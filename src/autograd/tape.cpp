// The tape: records ops in call order and walks them in reverse to accumulate gradients.
#include "vitcuda/autograd/tape.h"

namespace vit {

namespace {
thread_local bool t_grad_enabled = true;
}

bool grad_enabled() { return t_grad_enabled; }

NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = previous_; }

bool Tape::needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor* input : inputs) {
    if (input != nullptr && input->requires_grad()) return true;
  }
  return false;
}

void Tape::record(std::string op_name, Tensor& output, BackwardFn backward) {
  output.mark_recorded();
  entries_.push_back({std::move(op_name), output.grad_slot(), std::move(backward)});
}

void Tape::backward(const Tensor& loss) {
  VIT_CHECK(loss.numel() == 1, "backward(loss) needs a one-element loss, got shape ",
            shape_str(loss.shape()), "; pass a gradient for other outputs.");
  backward(loss, Tensor::full(loss.shape(), 1.0f, DType::f32, loss.device()));
}

void Tape::backward(const Tensor& output, const Tensor& grad_output, const WalkObserver& after_each_entry) {
  VIT_CHECK(output.requires_grad(), "backward() was called on a tensor that does not require grad "
            "(no recorded op produced it from a tensor that requires grad).");
  VIT_CHECK(!entries_.empty(), "backward() was called on an empty tape (was it already walked?).");
  output.accumulate_grad(grad_output);
  for (auto entry = entries_.rbegin(); entry != entries_.rend(); ++entry) {
    const Tensor grad = entry->output.grad();
    if (grad.defined()) entry->backward(grad);
    // Every use of the output ran before this entry: free what it saved (its closure) and the
    // output's gradient now, so the walk's peak memory falls as it goes.
    entry->backward = nullptr;
    entry->output.reset();
    if (after_each_entry) after_each_entry();
  }
  clear();
}

std::vector<std::string> Tape::op_names() const {
  std::vector<std::string> names;
  for (const Entry& entry : entries_) names.push_back(entry.op_name);
  return names;
}

void Tape::clear() {
  // Intermediate gradients are only needed during the walk; leaves keep theirs.
  for (Entry& entry : entries_) entry.output.reset();
  entries_.clear();
}

}  // namespace vit
