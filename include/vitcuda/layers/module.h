#pragma once
// Module: a layer with named parameters and child modules, like torch.nn.Module. Names are
// dotted paths ("blocks.3.attn.qkv.weight") matching timm's, so state dicts map one to one.
// Parameters are Tensors that require grad; freezing one sets requires_grad off.
#include <string>
#include <utility>
#include <vector>

#include "vitcuda/autograd/tape.h"
#include "vitcuda/ops/dropout.h"
#include "vitcuda/runtime/named_tensor.h"
#include "vitcuda/runtime/rng.h"

namespace vit::nn {

using NamedTensor = vit::NamedTensor;  // runtime/named_tensor.h

// What a forward pass needs besides its input: the tape to record on, whether dropout is active,
// and a stream of seeds (one per dropout call, reproducible from the step's seed). With a seed
// tensor holding the step's seed on the device, each call's seed is an offset from what it holds
// when the kernels run (a CUDA graph's replays each read their own step's seed).
class ForwardContext {
 public:
  ForwardContext(Tape& tape, bool training, std::uint64_t seed, Tensor seed_base = {})
      : tape(tape), training(training), seed_(seed), seed_base_(std::move(seed_base)) {}
  Tape& tape;
  const bool training;
  // When set, each attention layer appends its probabilities [B, heads, N, N] (ViT::attention_probabilities).
  std::vector<Tensor>* attention_probabilities = nullptr;
  Seed next_seed() {
    const std::uint64_t offset = 0x9E3779B97F4A7C15ull * ++calls_;
    return seed_base_.defined() ? Seed(offset, seed_base_) : Seed(seed_ + offset);
  }

 private:
  std::uint64_t seed_;
  Tensor seed_base_;
  std::uint64_t calls_ = 0;
};

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  std::vector<NamedTensor> named_parameters() const;  // depth-first, registration order
  std::vector<NamedTensor> trainable_parameters() const;  // those that require grad
  std::int64_t parameter_count() const;
  Tensor parameter(const std::string& name) const;  // throws naming the missing parameter

  void set_trainable(bool trainable);  // every parameter of this module and its children
  void to(Device device);  // moves every parameter (values, requires_grad) to `device`
  void zero_grad();

 protected:
  // Registers a member tensor (marked as requiring grad) or a member module under `name`.
  // Modules are neither copied nor moved, so the registered addresses stay valid.
  void register_parameter(std::string name, Tensor& member);
  void register_module(std::string name, Module& member);

 private:
  void collect(const std::string& prefix, std::vector<NamedTensor>& out) const;
  std::vector<std::pair<std::string, Tensor*>> parameters_;
  std::vector<std::pair<std::string, Module*>> children_;
};

// Initialisers (timm's): truncated normal cut at +-2 std, and PyTorch's default uniform for convs.
Tensor trunc_normal(const Shape& shape, Rng& rng, float stddev);
Tensor uniform_fan_in(const Shape& shape, Rng& rng, std::int64_t fan_in);

}  // namespace vit::nn
