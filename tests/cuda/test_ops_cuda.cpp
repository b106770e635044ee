// Every op of the registry (tests/op_registry.h) on cuda against the cpu backend: forward output
// and the gradient of every input, on random odd-sized inputs, through the public ops (checks,
// dispatch, tape). Normwise tolerance 1e-5 (float32; the matrix products sum in another order than
// oneDNN); dropout and drop-path masks are bit-identical (the same Philox stream). Also:
// device-mismatch errors.
#include <catch2/catch.hpp>

#include <string>

#include "kernel_check.h"
#include "op_compare.h"
#include "op_registry.h"
#include "vitcuda/ops.h"

using namespace vit;
using namespace vit::cuda::testing;

namespace {

// A registry case as run_op takes it: the tensors change per device, the numbers stay.
OpFn on_tensors(const vit::testing::OpCase& c, DType activation = DType::f32) {
  return [&c, activation](const std::vector<Tensor>& inputs, Tape& tape) {
    return c.run(vit::testing::OpArgs{inputs, c.numbers, activation}, tape);
  };
}

}  // namespace

TEST_CASE("cuda ops: forward and backward of every op of the registry match the cpu backend", "[cuda][ops]") {
  for (const vit::testing::OpCase& c : vit::testing::op_registry()) {
    INFO("op " << c.name);
    const std::vector<Tensor> inputs = c.random(random_tensor);
    const OpResult want = run_op(on_tensors(c), inputs, 100, Device::cpu());
    const OpResult got = run_op(on_tensors(c), inputs, 100, Device::cuda());
    CHECK(normwise_error(got.output, want.output) <= c.cuda_tolerance);
    REQUIRE(got.grads.size() == want.grads.size());
    for (std::size_t i = 0; i < want.grads.size(); ++i) {
      INFO("gradient of " << c.inputs[i]);
      CHECK(got.grads[i].size() == want.grads[i].size());
      if (!want.grads[i].empty()) CHECK(normwise_error(got.grads[i], want.grads[i]) <= c.cuda_tolerance);
    }
  }
}

TEST_CASE("cuda ops: a gradient reaching a tensor twice accumulates on the device", "[cuda][ops]") {
  const OpFn twice = [](auto& in, Tape& t) { return add(gelu(in[0], t), vit::tanh(in[0], t), t); };
  const Tensor x = random_tensor({4, 9}, 20);
  const OpResult want = run_op(twice, {x}, 21, Device::cpu());
  const OpResult got = run_op(twice, {x}, 21, Device::cuda());
  CHECK(normwise_error(got.grads[0], want.grads[0]) <= 1e-6);
}

TEST_CASE("cuda ops: arguments on different devices are refused naming both", "[cuda][ops][errors]") {
  Tape tape;
  const Tensor on_cpu = Tensor::zeros({2, 3});
  const Tensor on_cuda = Tensor::zeros({2, 3}, DType::f32, Device::cuda());
  CHECK_THROWS_WITH(add(on_cuda, on_cpu, tape),
                    Catch::Contains("add: argument 'b' is on cpu but 'a' is on cuda:0"));
  CHECK_THROWS_WITH(linear(on_cpu, Tensor::zeros({4, 3}, DType::f32, Device::cuda()), Tensor(), tape),
                    Catch::Contains("linear: argument 'weight' is on cuda:0 but 'x' is on cpu"));
  CHECK_THROWS_WITH(layer_norm(on_cuda, Tensor::full({3}, 1.0f), Tensor::zeros({3}), 1e-6f, tape),
                    Catch::Contains("layer_norm: argument 'gamma' is on cpu but 'x' is on cuda:0"));
  CHECK_THROWS_WITH(cross_entropy(on_cuda, Tensor::from_int32({0, 1}, {2}), 0.0f, tape),
                    Catch::Contains("cross_entropy: argument 'labels' is on cpu but 'logits' is on cuda:0"));
}
