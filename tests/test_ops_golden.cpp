// Every op's forward and backward against PyTorch (float64 golden data from tools/make_golden.py).
#include <catch2/catch.hpp>

#include "op_cases.h"

using namespace vit;
using namespace vit::testing;

TEST_CASE("ops match PyTorch forward and backward", "[ops][golden]") {
  for (const OpCase& op : op_cases()) {
    DYNAMIC_SECTION(op.name) {
      const SafetensorsFile golden = load_golden(op.name);
      const OpInputs inputs = golden_inputs(golden);
      Tape tape;
      const Tensor out = op.run(inputs, tape);
      const double forward_error = relative_error(out, golden.at("out"));
      INFO(op.name << " forward relative error " << forward_error);
      CHECK(forward_error <= op.tolerance);

      tape.backward(out, golden.at("grad_out"));
      CHECK(tape.size() == 0);
      int checked = 0;
      for (const auto& [name, input] : inputs.tensors) {
        if (!input.requires_grad()) continue;
        REQUIRE(input.grad().defined());
        const double backward_error = relative_error(input.grad(), golden.at("grad." + name));
        INFO(op.name << " grad of " << name << " relative error " << backward_error);
        CHECK(backward_error <= std::max(op.tolerance, 1e-6));
        ++checked;
      }
      CHECK(checked >= 1);
    }
  }
}

TEST_CASE("every golden file in the registry exists and has gradients", "[ops][golden]") {
  CHECK(op_cases().size() == 17);
  for (const OpCase& op : op_cases()) {
    const SafetensorsFile golden = load_golden(op.name);
    CHECK(golden.tensors.count("out") == 1);
    CHECK(golden.tensors.count("grad_out") == 1);
  }
}
