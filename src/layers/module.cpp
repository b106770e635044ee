#include "vitcuda/layers/module.h"

#include <algorithm>
#include <cmath>

namespace vit::nn {

void Module::register_parameter(std::string name, Tensor& member) {
  member.set_requires_grad();
  parameters_.emplace_back(std::move(name), &member);
}

void Module::register_module(std::string name, Module& member) {
  children_.emplace_back(std::move(name), &member);
}

void Module::to(Device device) {
  for (auto& [name, tensor] : parameters_) {
    const bool trainable = tensor->requires_grad();
    *tensor = tensor->to(device);
    if (trainable) tensor->set_requires_grad();
  }
  for (auto& [name, child] : children_) child->to(device);
}

void Module::collect(const std::string& prefix, std::vector<NamedTensor>& out) const {
  for (const auto& [name, tensor] : parameters_) out.push_back({prefix + name, *tensor});
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

std::vector<NamedTensor> Module::named_parameters() const {
  std::vector<NamedTensor> out;
  collect("", out);
  return out;
}

std::vector<NamedTensor> Module::trainable_parameters() const {
  std::vector<NamedTensor> out = named_parameters();
  std::erase_if(out, [](const NamedTensor& p) { return !p.tensor.requires_grad(); });
  return out;
}

std::int64_t Module::parameter_count() const {
  std::int64_t count = 0;
  for (const NamedTensor& p : named_parameters()) count += p.tensor.numel();
  return count;
}

Tensor Module::parameter(const std::string& name) const {
  for (NamedTensor& p : named_parameters()) {
    if (p.name == name) return p.tensor;
  }
  VIT_FAIL("the model has no parameter named '", name, "'.");
}

void Module::set_trainable(bool trainable) {
  for (NamedTensor& p : named_parameters()) {
    p.tensor.set_requires_grad(trainable);
    if (!trainable) p.tensor.zero_grad();
  }
}

void Module::zero_grad() {
  for (const NamedTensor& p : named_parameters()) p.tensor.zero_grad();
}

Tensor trunc_normal(const Shape& shape, Rng& rng, float stddev) {
  Tensor t = Tensor::empty(shape);
  float* out = t.data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    float value;
    do {
      value = rng.normal();
    } while (std::abs(value) > 2.0f);
    out[i] = value * stddev;
  }
  return t;
}

Tensor uniform_fan_in(const Shape& shape, Rng& rng, std::int64_t fan_in) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
  return Tensor::uniform(shape, rng, -bound, bound);
}

}  // namespace vit::nn
