#pragma once
// Runs an op forward and backward on cpu and on cuda from the same inputs and upstream gradient,
// for the op-level and model-level comparisons of the CUDA backend with the CPU one.
#include <functional>
#include <vector>

#include "vitcuda/autograd/tape.h"

namespace vit::cuda::testing {

using OpFn = std::function<Tensor(const std::vector<Tensor>& inputs, Tape& tape)>;

struct OpResult {
  std::vector<float> output;
  std::vector<std::vector<float>> grads;  // of every f32 or bf16 input, in order (empty for other dtypes)
};

// Copies the (cpu) inputs to `device`, marks the f32 and bf16 ones as requiring grad, runs `op`
// and its backward from a random upstream gradient drawn from `grad_salt` (the same on every
// device, in the output's dtype) and returns everything on the host.
OpResult run_op(const OpFn& op, const std::vector<Tensor>& inputs, std::uint64_t grad_salt, Device device);

// A random normal cpu tensor drawn from `salt` (the tests' seed + salt).
Tensor random_tensor(const Shape& shape, std::uint64_t salt, float stddev = 1.0f);

}  // namespace vit::cuda::testing
