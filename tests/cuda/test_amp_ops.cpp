// bf16 autocast at the op level: every op the ViT runs under autocast, fed bf16 activations (and
// f32 parameters) on cuda, against the f32 cpu backend on the same random odd-sized inputs:
// forward output and the gradient of every input (bf16 for activations, f32 for parameters),
// normwise error <= 1e-2. The inputs and the upstream gradient are rounded to bf16 on the cuda
// side only, so the error includes that rounding; measured (default seed) at most 4.7e-3
// (gelu's output; the others 0.6e-3 to 4.4e-3). Also: cast, and bf16 refused on the cpu.
#include <catch2/catch.hpp>

#include <string>

#include "kernel_check.h"
#include "op_compare.h"
#include "vitcuda/ops.h"

using namespace vit;
using namespace vit::cuda::testing;

namespace {

constexpr double kTolerance = 1e-2;

// `op` gets the activation dtype (f32 for the reference, bf16 under autocast) for the ops that
// take one (patch_embed's tokens); `activations` marks the inputs that autocast turns to bf16.
using AmpOpFn = std::function<Tensor(const std::vector<Tensor>& inputs, Tape& tape, DType activation)>;

struct AmpCase {
  std::string name;
  AmpOpFn op;
  std::vector<Tensor> inputs;
  std::vector<bool> activations;
};

std::vector<AmpCase> amp_cases() {
  const Tensor x = random_tensor({3, 5, 7}, 1);
  const Tensor labels = Tensor::from_int32({2, 0, 6, 3, 1}, {5});
  std::vector<float> gamma = random_normal(37, 9, 0.2f);
  for (float& g : gamma) g += 1.0f;
  return {
      {"linear", [](auto& in, Tape& t, DType) { return linear(in[0], in[1], in[2], t); },
       {x, random_tensor({11, 7}, 2, 0.3f), random_tensor({11}, 3)}, {true, false, false}},
      {"linear without bias", [](auto& in, Tape& t, DType) { return linear(in[0], in[1], Tensor(), t); },
       {x, random_tensor({11, 7}, 2, 0.3f)}, {true, false}},
      {"patch_embed", [](auto& in, Tape& t, DType a) { return patch_embed(in[0], in[1], in[2], t, a); },
       {random_tensor({2, 3, 6, 9}, 4), random_tensor({5, 3, 3, 3}, 5, 0.2f), random_tensor({5}, 6)},
       {false, false, false}},
      {"concat_class_token", [](auto& in, Tape& t, DType) { return concat_class_token(in[0], in[1], t); },
       {random_tensor({1, 1, 7}, 7), x}, {false, true}},
      {"select_token", [](auto& in, Tape& t, DType) { return select_token(in[0], 2, t); }, {x}, {true}},
      {"mean_tokens", [](auto& in, Tape& t, DType) { return mean_tokens(in[0], 1, t); }, {x}, {true}},
      {"add", [](auto& in, Tape& t, DType) { return add(in[0], in[1], t); }, {x, random_tensor({3, 5, 7}, 8)},
       {true, true}},
      {"add broadcast f32", [](auto& in, Tape& t, DType) { return add(in[0], in[1], t); },
       {x, random_tensor({1, 5, 7}, 8)}, {true, false}},
      {"layer_norm", [](auto& in, Tape& t, DType) { return layer_norm(in[0], in[1], in[2], 1e-6f, t); },
       {random_tensor({3, 5, 37}, 10, 2.0f), Tensor::from_vector(gamma, {37}), random_tensor({37}, 11)},
       {true, false, false}},
      {"gelu", [](auto& in, Tape& t, DType) { return gelu(in[0], t); }, {x}, {true}},
      {"tanh", [](auto& in, Tape& t, DType) { return vit::tanh(in[0], t); }, {x}, {true}},
      {"attention", [](auto& in, Tape& t, DType) { return attention(in[0], 3, t); }, {random_tensor({2, 5, 36}, 12)},
       {true}},
      {"dropout", [](auto& in, Tape& t, DType) { return dropout(in[0], 0.3f, 7, t); }, {x}, {true}},
      {"drop_path", [](auto& in, Tape& t, DType) { return drop_path(in[0], 0.4f, 9, t); },
       {random_tensor({5, 3, 7}, 13)}, {true}},
      {"cross_entropy", [](auto& in, Tape& t, DType) { return cross_entropy(in[0], in[1], 0.1f, t); },
       {random_tensor({5, 7}, 14, 2.0f), labels}, {true, false}},
  };
}

OpFn with_activation(const AmpOpFn& op, DType activation) {
  return [op, activation](const std::vector<Tensor>& inputs, Tape& tape) { return op(inputs, tape, activation); };
}

}  // namespace

TEST_CASE("cuda amp: bf16 forward and backward of every ViT op match f32 within 1e-2", "[cuda][amp]") {
  for (const AmpCase& c : amp_cases()) {
    INFO("op " << c.name);
    std::vector<Tensor> amp_inputs;
    for (std::size_t i = 0; i < c.inputs.size(); ++i) {
      amp_inputs.push_back(c.activations[i] ? c.inputs[i].to(DType::bf16) : c.inputs[i]);
    }
    const OpResult want = run_op(with_activation(c.op, DType::f32), c.inputs, 100, Device::cpu());
    const OpResult got = run_op(with_activation(c.op, DType::bf16), amp_inputs, 100, Device::cuda());
    CHECK(normwise_error(got.output, want.output) <= kTolerance);
    REQUIRE(got.grads.size() == want.grads.size());
    for (std::size_t i = 0; i < want.grads.size(); ++i) {
      INFO("gradient of input " << i);
      CHECK(got.grads[i].size() == want.grads[i].size());
      if (!want.grads[i].empty()) CHECK(normwise_error(got.grads[i], want.grads[i]) <= kTolerance);
    }
  }
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
