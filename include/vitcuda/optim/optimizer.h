#pragma once
// Optimizers with PyTorch's explicit cycle: opt.zero_grad(); tape.backward(loss); opt.step().
// Parameters come in groups: each group has its own weight decay switch and learning-rate scale
// (differential learning rates). A parameter without a gradient (frozen: requires_grad off) is
// neither updated nor decayed.
#include <array>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "vitcuda/runtime/named_tensor.h"

namespace vit::optim {

struct ParamGroup {
  std::vector<NamedTensor> params;
  bool weight_decay = true;  // apply the optimizer's weight decay to this group
  float lr_scale = 1.0f;     // this group's learning rate = optimizer lr * lr_scale
};

struct GroupingOptions {
  // timm's rule: no decay on 1-D tensors (biases, norms) nor on cls_token / pos_embed.
  bool decay_biases_norms_embeddings = false;
  std::function<float(const std::string& name)> lr_scale;  // unset: 1 for every parameter
};

// Splits parameters into groups by (decay, lr scale); frozen parameters are left out.
std::vector<ParamGroup> make_param_groups(const std::vector<NamedTensor>& params,
                                          const GroupingOptions& options = {});

// Scales all gradients so their global L2 norm is at most max_norm (like PyTorch's
// clip_grad_norm_); returns the norm before clipping. Gradients on cuda are reduced on the device
// (the returned norm is read back: one synchronisation).
float clip_grad_norm(const std::vector<NamedTensor>& params, float max_norm);

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  void zero_grad();
  void step();  // one update of every parameter that has a gradient: begin_step(), then run_step()

  // step() in two halves, for a step captured in a CUDA graph. begin_step() is the host's part:
  // it counts the step, makes missing optimizer state, and on cuda writes this step's learning
  // rates and bias corrections to device memory. run_step() queues the updates (and clipping),
  // which on cuda read those numbers there, so a captured run_step replays correctly after a
  // begin_step each step.
  void begin_step();
  void run_step();

  // Clips the gradients inside every step() to a global L2 norm of at most max_norm, as
  // clip_grad_norm before step() would (0: off). On cuda the norm and the factor stay on the
  // device and the update kernels apply it, so step() never waits for the device.
  void set_clip_grad_norm(float max_norm);

  float lr() const { return lr_; }
  void set_lr(float lr) { lr_ = lr; }  // schedulers call this before step()
  std::int64_t step_count() const { return step_count_; }
  const std::vector<ParamGroup>& groups() const { return groups_; }
  const std::vector<std::string>& slot_names() const { return slot_names_; }  // per-parameter state

  // State as named cpu tensors ("<parameter>.<slot>" and "step"), to save beside a checkpoint.
  std::map<std::string, Tensor> state() const;
  // Copies the state (from any device) to the parameters' devices; throws naming what does not fit.
  void load_state(const std::map<std::string, Tensor>& state);

 protected:
  Optimizer(std::vector<ParamGroup> groups, float lr, std::vector<std::string> slot_names);
  // One parameter to update: its gradient and its state tensors in slot_names order (zeros at
  // first, on the parameter's device).
  struct ParamState {
    Tensor param;
    Tensor grad;
    std::vector<Tensor>* slots;
  };
  // Updates the parameters of one group that live on one device (cuda: one multi-tensor launch),
  // with every gradient first multiplied by grad_scale (a cuda f32 scalar), when it is defined. On
  // cuda the kernels read lr and the bias corrections from `device_numbers` (device memory:
  // {lr, bias_correction1, bias_correction2}), written by begin_step.
  virtual void update(const std::vector<ParamState>& params, float lr, bool decay, const Tensor& grad_scale,
                      const float* device_numbers) = 0;
  // This step's bias corrections 1 - beta1^t and 1 - beta2^t (1 and 1 where there are none).
  virtual std::array<float, 2> bias_corrections() const { return {1.0f, 1.0f}; }

 private:
  std::vector<ParamGroup> groups_;
  float lr_;
  std::vector<std::string> slot_names_;
  std::map<std::string, std::vector<Tensor>> slots_;  // by parameter name, created on first update
  std::int64_t step_count_ = 0;
  float clip_grad_norm_ = 0.0f;
  Tensor step_numbers_;  // cuda: f32 [groups x 3], each group's {lr, bias corrections} this step

  Tensor clip_gradients() const;  // scales cpu gradients in place; returns the factor for cuda ones
};

struct AdamWOptions {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.01f;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options);
  AdamW(const std::vector<NamedTensor>& params, const AdamWOptions& options);  // timm groups

 private:
  void update(const std::vector<ParamState>& params, float lr, bool decay, const Tensor& grad_scale,
              const float* device_numbers) override;
  std::array<float, 2> bias_corrections() const override;
  AdamWOptions options_;
};

struct SGDOptions {
  float lr = 1e-2f;
  float momentum = 0.0f;
  float weight_decay = 0.0f;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, const SGDOptions& options);
  SGD(const std::vector<NamedTensor>& params, const SGDOptions& options);  // timm groups

 private:
  void update(const std::vector<ParamState>& params, float lr, bool decay, const Tensor& grad_scale,
              const float* device_numbers) override;
  SGDOptions options_;
};

}  // namespace vit::optim
