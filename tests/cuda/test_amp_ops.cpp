// bf16 autocast at the op level: every op of the registry (tests/op_registry.h) that has a bf16
// path, fed bf16 activations (and f32 parameters) on cuda, against the f32 cpu backend on the same
// random odd-sized inputs: forward output and the gradient of every input (bf16 for activations,
// f32 for parameters), normwise error <= 1e-2. The inputs and the upstream gradient are rounded to bf16 on the cuda
// side only, so the error includes that rounding; measured (default seed) at most 4.7e-3
// (gelu's output; the others 0.6e-3 to 4.4e-3). Also: cast, and bf16 refused on the cpu.
#include <catch2/catch.hpp>

#include <string>

#include "kernel_check.h"
#include "op_compare.h"
#include "op_registry.h"
#include "vitcuda/ops.h"

using namespace vit;
using namespace vit::cuda::testing;

namespace {

constexpr double kTolerance = 1e-2;

// A registry case as run_op takes it, producing `activation` where the op lets the caller choose.
OpFn on_tensors(const vit::testing::OpCase& c, DType activation) {
  return [&c, activation](const std::vector<Tensor>& inputs, Tape& tape) {
    return c.run(vit::testing::OpArgs{inputs, c.numbers, activation}, tape);
  };
}

}  // namespace

TEST_CASE("cuda amp: bf16 forward and backward of every op of the registry match f32 within 1e-2", "[cuda][amp]") {
  int cases = 0;
  for (const vit::testing::OpCase& c : vit::testing::op_registry()) {
    if (c.activations.empty()) continue;  // f32-only ops
    INFO("op " << c.name);
    const std::vector<Tensor> inputs = c.random(random_tensor);
    REQUIRE(c.activations.size() == inputs.size());
    std::vector<Tensor> amp_inputs;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      amp_inputs.push_back(c.activations[i] ? inputs[i].to(DType::bf16) : inputs[i]);
    }
    const OpResult want = run_op(on_tensors(c, DType::f32), inputs, 100, Device::cpu());
    const OpResult got = run_op(on_tensors(c, DType::bf16), amp_inputs, 100, Device::cuda());
    CHECK(normwise_error(got.output, want.output) <= kTolerance);
    REQUIRE(got.grads.size() == want.grads.size());
    for (std::size_t i = 0; i < want.grads.size(); ++i) {
      INFO("gradient of " << c.inputs[i]);
      CHECK(got.grads[i].size() == want.grads[i].size());
      if (!want.grads[i].empty()) CHECK(normwise_error(got.grads[i], want.grads[i]) <= kTolerance);
    }
    ++cases;
  }
  CHECK(cases >= 15);
}

TEST_CASE("cuda amp: outputs take the activation dtype and parameter gradients stay f32", "[cuda][amp]") {
  const Tensor x = random_tensor({4, 6}, 30).to(DType::bf16).to(Device::cuda()).set_requires_grad();
  const Tensor w = random_tensor({3, 6}, 31).to(Device::cuda()).set_requires_grad();
  const Tensor b = random_tensor({3}, 32).to(Device::cuda()).set_requires_grad();
  Tape tape;
  const Tensor y = linear(x, w, b, tape);
  CHECK(y.dtype() == DType::bf16);
  const Tensor loss = cross_entropy(y, Tensor::from_int32({0, 2, 1, 1}, {4}).to(Device::cuda()), 0.0f, tape);
  CHECK(loss.dtype() == DType::f32);
  tape.backward(loss);
  CHECK(x.grad().dtype() == DType::bf16);
  CHECK(w.grad().dtype() == DType::f32);
  CHECK(b.grad().dtype() == DType::f32);
}

TEST_CASE("cuda amp: cast rounds to bf16 and its gradient converts back", "[cuda][amp]") {
  const std::vector<float> values = random_normal(29, 40);
  const Tensor x = Tensor::from_vector(values, {29}).to(Device::cuda()).set_requires_grad();
  Tape tape;
  const Tensor y = cast(x, DType::bf16, tape);
  CHECK(y.dtype() == DType::bf16);
  CHECK(y.to_vector() == round_bf16(values));
  const std::vector<float> upstream = random_normal(29, 41);
  tape.backward(y, Tensor::from_vector(upstream, {29}).to(DType::bf16).to(Device::cuda()));
  CHECK(x.grad().dtype() == DType::f32);
  CHECK(x.grad().to_vector() == round_bf16(upstream));
  CHECK(cast(x, DType::f32, tape).same_as(x));
}

TEST_CASE("cuda amp: bf16 on the cpu is refused in one sentence", "[cuda][amp][errors]") {
  Tape tape;
  const Tensor x = random_tensor({2, 4}, 50).to(DType::bf16);
  CHECK_THROWS_WITH(gelu(x, tape), Catch::Contains("gelu: argument 'x' is bf16 on the cpu; bf16 runs on the cuda "
                                                   "device only"));
  CHECK_THROWS_WITH(linear(x, random_tensor({3, 4}, 51), Tensor(), tape),
                    Catch::Contains("linear: argument 'x' is bf16 on the cpu"));
  CHECK_THROWS_WITH(patch_embed(random_tensor({1, 1, 4, 4}, 52), random_tensor({2, 1, 2, 2}, 53),
                                random_tensor({2}, 54), tape, DType::bf16),
                    Catch::Contains("patch_embed: tokens can be f32, or bf16 on the cuda device"));
  const Tensor on_cuda = random_tensor({2, 4}, 55).to(DType::bf16).to(Device::cuda());
  CHECK_THROWS_WITH(add(on_cuda, random_tensor({2, 4}, 56).to(Device::cuda()), tape),
                    Catch::Contains("add: b is f32 but a is bf16"));
}
