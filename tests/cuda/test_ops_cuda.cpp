// Every op of the ViT on cuda against the cpu backend: forward output and the gradient of every
// input, on random odd-sized inputs, through the public ops (checks, dispatch, tape). Normwise
// tolerance 1e-5 (float32; the matrix products sum in another order than OpenBLAS); dropout and
// drop-path masks are bit-identical (the same Philox stream). Also: device-mismatch errors.
#include <catch2/catch.hpp>

#include <string>

#include "kernel_check.h"
#include "op_compare.h"
#include "vitcuda/ops.h"

using namespace vit;
using namespace vit::cuda::testing;

namespace {

struct OpCase {
  std::string name;
  OpFn op;
  std::vector<Tensor> inputs;
  double tolerance = 1e-5;
};

std::vector<OpCase> op_cases() {
  const Tensor x = random_tensor({3, 5, 7}, 1);
  Tensor labels = Tensor::from_int32({2, 0, 6, 3, 1}, {5});
  std::vector<float> gamma = random_normal(37, 9, 0.2f);
  for (float& g : gamma) g += 1.0f;
  return {
      {"linear", [](auto& in, Tape& t) { return linear(in[0], in[1], in[2], t); },
       {x, random_tensor({11, 7}, 2, 0.3f), random_tensor({11}, 3)}},
      {"linear without bias", [](auto& in, Tape& t) { return linear(in[0], in[1], Tensor(), t); },
       {x, random_tensor({11, 7}, 2, 0.3f)}},
      {"patch_embed", [](auto& in, Tape& t) { return patch_embed(in[0], in[1], in[2], t); },
       {random_tensor({2, 3, 6, 9}, 4), random_tensor({5, 3, 3, 3}, 5, 0.2f), random_tensor({5}, 6)}},
      {"concat_class_token", [](auto& in, Tape& t) { return concat_class_token(in[0], in[1], t); },
       {random_tensor({1, 1, 7}, 7), x}},
      {"select_token", [](auto& in, Tape& t) { return select_token(in[0], 2, t); }, {x}},
      {"mean_tokens", [](auto& in, Tape& t) { return mean_tokens(in[0], 1, t); }, {x}},
      {"add", [](auto& in, Tape& t) { return add(in[0], in[1], t); }, {x, random_tensor({3, 5, 7}, 8)}},
      {"add broadcast", [](auto& in, Tape& t) { return add(in[0], in[1], t); }, {x, random_tensor({1, 5, 7}, 8)}},
      {"layer_norm", [](auto& in, Tape& t) { return layer_norm(in[0], in[1], in[2], 1e-6f, t); },
       {random_tensor({3, 5, 37}, 10, 2.0f), Tensor::from_vector(gamma, {37}), random_tensor({37}, 11)}},
      {"gelu", [](auto& in, Tape& t) { return gelu(in[0], t); }, {x}},
      {"tanh", [](auto& in, Tape& t) { return vit::tanh(in[0], t); }, {x}},
      {"attention", [](auto& in, Tape& t) { return attention(in[0], 3, t); }, {random_tensor({2, 5, 36}, 12)}},
      {"dropout", [](auto& in, Tape& t) { return dropout(in[0], 0.3f, 7, t); }, {x}, 0.0},
      {"drop_path", [](auto& in, Tape& t) { return drop_path(in[0], 0.4f, 9, t); }, {random_tensor({5, 3, 7}, 13)}, 0.0},
      {"cross_entropy", [](auto& in, Tape& t) { return cross_entropy(in[0], in[1], 0.1f, t); },
       {random_tensor({5, 7}, 14, 2.0f), labels}},
      {"mean", [](auto& in, Tape& t) { return mean(in[0], t); }, {x}},
  };
}

}  // namespace

TEST_CASE("cuda ops: forward and backward of every ViT op match the cpu backend", "[cuda][ops]") {
  for (const OpCase& c : op_cases()) {
    INFO("op " << c.name);
    const OpResult want = run_op(c.op, c.inputs, 100, Device::cpu());
    const OpResult got = run_op(c.op, c.inputs, 100, Device::cuda());
    CHECK(normwise_error(got.output, want.output) <= c.tolerance);
    REQUIRE(got.grads.size() == want.grads.size());
    for (std::size_t i = 0; i < want.grads.size(); ++i) {
      INFO("gradient of input " << i);
      CHECK(got.grads[i].size() == want.grads[i].size());
      if (!want.grads[i].empty()) CHECK(normwise_error(got.grads[i], want.grads[i]) <= c.tolerance);
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
