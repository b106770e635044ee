#include "vitcuda/optim/optimizer.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/optimizer.h"
#include "optim/cuda/updates.h"

namespace vit::optim {

namespace {

bool decays_by_default(const NamedTensor& p) {
  return p.tensor.ndim() > 1 && p.name != "cls_token" && p.name != "pos_embed";
}

}  // namespace

std::vector<ParamGroup> make_param_groups(const std::vector<NamedTensor>& params,
                                          const GroupingOptions& options) {
  std::vector<ParamGroup> groups;
  for (const NamedTensor& p : params) {
    if (!p.tensor.requires_grad()) continue;
    const bool decay = options.decay_biases_norms_embeddings || decays_by_default(p);
    const float scale = options.lr_scale ? options.lr_scale(p.name) : 1.0f;
    VIT_CHECK(scale >= 0.0f, "learning-rate scale for '", p.name, "' must not be negative, got ", scale, ".");
    auto group = std::find_if(groups.begin(), groups.end(), [&](const ParamGroup& g) {
      return g.weight_decay == decay && g.lr_scale == scale;
    });
    if (group == groups.end()) group = groups.insert(groups.end(), ParamGroup{{}, decay, scale});
    group->params.push_back(p);
  }
  return groups;
}

namespace {

// True when the gradients live on cuda; throws when they are spread over devices.
bool on_cuda(const std::vector<Tensor>& grads) {
  const auto is_cuda = [](const Tensor& g) { return g.device().is_cuda(); };
  if (!std::any_of(grads.begin(), grads.end(), is_cuda)) return false;
  VIT_CHECK(std::all_of(grads.begin(), grads.end(), is_cuda),
            "clip_grad_norm: the gradients are on more than one device; keep the model on one.");
  return true;
}

}  // namespace

float clip_grad_norm(const std::vector<NamedTensor>& params, float max_norm) {
  VIT_CHECK(max_norm > 0.0f, "gradient clipping norm must be positive, got ", max_norm, ".");
  std::vector<Tensor> grads;
  for (const NamedTensor& p : params) {
    if (p.tensor.grad().defined()) grads.push_back(p.tensor.grad());
  }
  if (on_cuda(grads)) return cuda_updates::clip_grad_norm(grads, max_norm);
  double squares = 0.0;
  for (const Tensor& grad : grads) squares += cpu::sum_of_squares(grad.data<float>(), grad.numel());
  const float norm = static_cast<float>(std::sqrt(squares));
  const float coefficient = max_norm / (norm + 1e-6f);
  if (coefficient < 1.0f) {
    for (const Tensor& grad : grads) cpu::scale_in_place(grad.data<float>(), grad.numel(), coefficient);
  }
  return norm;
}

Optimizer::Optimizer(std::vector<ParamGroup> groups, float lr, std::vector<std::string> slot_names)
    : groups_(std::move(groups)), lr_(lr), slot_names_(std::move(slot_names)) {
  VIT_CHECK(lr >= 0.0f, "learning rate must not be negative, got ", lr, ".");
}

void Optimizer::zero_grad() {
  for (const ParamGroup& group : groups_) {
    for (const NamedTensor& p : group.params) p.tensor.zero_grad();
  }
}

void Optimizer::set_clip_grad_norm(float max_norm) {
  VIT_CHECK(max_norm >= 0.0f, "gradient clipping norm must not be negative, got ", max_norm, ".");
  clip_grad_norm_ = max_norm;
}

Tensor Optimizer::clip_gradients() const {
  std::vector<NamedTensor> params;
  std::vector<Tensor> grads;
  for (const ParamGroup& group : groups_) {
    for (const NamedTensor& p : group.params) {
      if (p.tensor.grad().defined() && p.tensor.requires_grad()) {
        params.push_back(p);
        grads.push_back(p.tensor.grad());
      }
    }
  }
  if (grads.empty()) return {};
  if (on_cuda(grads)) return cuda_updates::clip_scale(grads, clip_grad_norm_);
  clip_grad_norm(params, clip_grad_norm_);
  return {};
}

void Optimizer::step() {
  begin_step();
  run_step();
}

void Optimizer::begin_step() {
  ++step_count_;
  Device cuda_device = Device::cpu();
  for (const ParamGroup& group : groups_) {
    for (const NamedTensor& p : group.params) {
      if (p.tensor.device().is_cuda()) cuda_device = p.tensor.device();
      if (!p.tensor.grad().defined() || !p.tensor.requires_grad()) continue;  // before a captured backward
      std::vector<Tensor>& slots = slots_[p.name];
      if (slots.empty()) {
        for (std::size_t i = 0; i < slot_names_.size(); ++i) {
          slots.push_back(Tensor::zeros(p.tensor.shape(), DType::f32, p.tensor.device()));
        }
      }
    }
  }
  if (cuda_device.is_cpu()) return;
  const std::array<float, 2> corrections = bias_corrections();
  std::vector<float> numbers;
  for (const ParamGroup& group : groups_)
    numbers.insert(numbers.end(), {lr_ * group.lr_scale, corrections[0], corrections[1]});
  if (!step_numbers_.defined())
    step_numbers_ = Tensor::empty({static_cast<std::int64_t>(numbers.size())}, DType::f32, cuda_device);
  cuda_updates::store_numbers(step_numbers_, numbers);
}

void Optimizer::run_step() {
  const Tensor grad_scale = clip_grad_norm_ > 0.0f ? clip_gradients() : Tensor();
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& group = groups_[g];
    std::vector<ParamState> cpu_params, cuda_params;
    for (const NamedTensor& p : group.params) {
      const Tensor grad = p.tensor.grad();
      if (!grad.defined() || !p.tensor.requires_grad()) continue;
      auto slots = slots_.find(p.name);
      VIT_CHECK(slots != slots_.end(), "run_step: parameter '", p.name,
                "' has no optimizer state yet: run one step() before capturing run_step() in a graph.");
      (p.tensor.device().is_cuda() ? cuda_params : cpu_params).push_back({p.tensor, grad, &slots->second});
    }
    const float lr = lr_ * group.lr_scale;
    if (!cpu_params.empty()) update(cpu_params, lr, group.weight_decay, Tensor(), nullptr);
    if (!cuda_params.empty())
      update(cuda_params, lr, group.weight_decay, grad_scale, step_numbers_.data<float>() + 3 * g);
  }
}

std::map<std::string, Tensor> Optimizer::state() const {
  std::map<std::string, Tensor> state;
  state["step"] = Tensor::from_int32({static_cast<std::int32_t>(step_count_)}, {1});
  for (const auto& [name, slots] : slots_) {
    for (std::size_t i = 0; i < slots.size(); ++i) state[name + "." + slot_names_[i]] = slots[i].to(Device::cpu());
  }
  return state;
}

void Optimizer::load_state(const std::map<std::string, Tensor>& state) {
  auto step = state.find("step");
  VIT_CHECK(step != state.end() && step->second.dtype() == DType::i32 && step->second.numel() == 1,
            "optimizer state has no step count: is it the state of this kind of optimizer?");
  std::map<std::string, std::vector<Tensor>> loaded;
  for (const ParamGroup& group : groups_) {
    for (const NamedTensor& p : group.params) {
      std::vector<Tensor> slots;
      for (const std::string& slot : slot_names_) {
        auto it = state.find(p.name + "." + slot);
        if (it == state.end()) break;  // never updated (no gradient yet): starts from zeros
        VIT_CHECK(it->second.shape() == p.tensor.shape() && it->second.dtype() == DType::f32,
                  "optimizer state '", it->first, "' has shape ", shape_str(it->second.shape()),
                  " but parameter '", p.name, "' has shape ", shape_str(p.tensor.shape()), ".");
        const Device device = p.tensor.device();
        slots.push_back(it->second.device() == device ? it->second.clone() : it->second.to(device));
      }
      if (slots.size() == slot_names_.size() && !slots.empty()) loaded[p.name] = std::move(slots);
    }
  }
  slots_ = std::move(loaded);
  step_count_ = step->second.data<std::int32_t>()[0];
}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options)
    : Optimizer(std::move(groups), options.lr, {"exp_avg", "exp_avg_sq"}), options_(options) {
  VIT_CHECK(options.beta1 >= 0.0f && options.beta1 < 1.0f && options.beta2 >= 0.0f && options.beta2 < 1.0f,
            "AdamW betas must be in [0, 1), got ", options.beta1, " and ", options.beta2, ".");
  VIT_CHECK(options.eps > 0.0f, "AdamW eps must be positive, got ", options.eps, ".");
  VIT_CHECK(options.weight_decay >= 0.0f, "weight decay must not be negative, got ", options.weight_decay, ".");
}

AdamW::AdamW(const std::vector<NamedTensor>& params, const AdamWOptions& options)
    : AdamW(make_param_groups(params), options) {}

std::array<float, 2> AdamW::bias_corrections() const {
  const auto t = static_cast<float>(step_count());
  return {1.0f - std::pow(options_.beta1, t), 1.0f - std::pow(options_.beta2, t)};
}

void AdamW::update(const std::vector<ParamState>& params, float lr, bool decay, const Tensor& grad_scale,
                   const float* device_numbers) {
  const std::array<float, 2> corrections = bias_corrections();
  const AdamWStep step{lr,
                       options_.beta1,
                       options_.beta2,
                       options_.eps,
                       decay ? options_.weight_decay : 0.0f,
                       corrections[0],
                       corrections[1]};
  if (params.front().param.device().is_cuda()) {
    std::vector<cuda_updates::DeviceParam> device_params;
    for (const ParamState& p : params) {
      device_params.push_back({p.param.data<float>(), p.grad.data<float>(), (*p.slots)[0].data<float>(),
                               (*p.slots)[1].data<float>(), p.param.numel()});
    }
    cuda_updates::adamw_update(device_params, step, grad_scale.defined() ? grad_scale.data<float>() : nullptr,
                               device_numbers);
    return;
  }
  for (const ParamState& p : params) {
    cpu::adamw_update(p.param.data<float>(), p.grad.data<float>(), (*p.slots)[0].data<float>(),
                      (*p.slots)[1].data<float>(), p.param.numel(), step);
  }
}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer(std::move(groups), options.lr,
                options.momentum > 0.0f ? std::vector<std::string>{"momentum_buffer"} : std::vector<std::string>{}),
      options_(options) {
  VIT_CHECK(options.momentum >= 0.0f, "SGD momentum must not be negative, got ", options.momentum, ".");
  VIT_CHECK(!options.nesterov || options.momentum > 0.0f, "Nesterov momentum needs a momentum above 0.");
  VIT_CHECK(options.weight_decay >= 0.0f, "weight decay must not be negative, got ", options.weight_decay, ".");
}

SGD::SGD(const std::vector<NamedTensor>& params, const SGDOptions& options)
    : SGD(make_param_groups(params), options) {}

void SGD::update(const std::vector<ParamState>& params, float lr, bool decay, const Tensor& grad_scale,
                 const float* device_numbers) {
  const SgdStep step{lr, options_.momentum, decay ? options_.weight_decay : 0.0f, options_.nesterov};
  const auto momentum_buffer = [](const ParamState& p) {
    return p.slots->empty() ? nullptr : (*p.slots)[0].data<float>();
  };
  if (params.front().param.device().is_cuda()) {
    std::vector<cuda_updates::DeviceParam> device_params;
    for (const ParamState& p : params) {
      device_params.push_back({p.param.data<float>(), p.grad.data<float>(), momentum_buffer(p), nullptr,
                               p.param.numel()});
    }
    cuda_updates::sgd_update(device_params, step, grad_scale.defined() ? grad_scale.data<float>() : nullptr,
                             device_numbers);
    return;
  }
  for (const ParamState& p : params) {
    cpu::sgd_update(p.param.data<float>(), p.grad.data<float>(), momentum_buffer(p), p.param.numel(), step);
  }
}

}  // namespace vit::optim
