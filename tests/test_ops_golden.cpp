// Every op of the registry (op_registry.h), forward and backward, against PyTorch (float64
// golden data from tools/make_golden.py).
#include <catch2/catch.hpp>

#include "op_registry.h"

using namespace vit;
using namespace vit::testing;

TEST_CASE("ops match PyTorch forward and backward", "[ops][golden]") {
  for (const OpCase& op : op_registry()) {
    DYNAMIC_SECTION(op.name) {
      const SafetensorsFile golden = load_golden(op);
      const OpArgs args = golden_args(op, golden);
      Tape tape;
      const Tensor out = op.run(args, tape);
      const double forward_error = relative_error(out, golden.at("out"));
      INFO(op.name << " forward relative error " << forward_error);
      CHECK(forward_error <= op.golden_tolerance);

      tape.backward(out, golden.at("grad_out"));
      CHECK(tape.size() == 0);
      int checked = 0;
      for (std::size_t i = 0; i < op.inputs.size(); ++i) {
        const Tensor& input = args[i];
        if (!input.requires_grad()) continue;
        REQUIRE(input.grad().defined());
        const double backward_error = relative_error(input.grad(), golden.at("grad." + op.inputs[i]));
        INFO(op.name << " grad of " << op.inputs[i] << " relative error " << backward_error);
        CHECK(backward_error <= std::max(op.golden_tolerance, 1e-6));
        ++checked;
      }
      CHECK(checked >= 1);
    }
  }
}

TEST_CASE("every case of the registry has its golden file, with gradients", "[ops][golden]") {
  CHECK(op_registry().size() == 19);
  for (const OpCase& op : op_registry()) {
    INFO(op.name);
    const SafetensorsFile golden = load_golden(op);
    CHECK(golden.tensors.count("out") == 1);
    CHECK(golden.tensors.count("grad_out") == 1);
    for (const std::string& input : op.inputs) CHECK(golden.tensors.count("in." + input) == 1);
  }
}
