// Finite-difference check of the backward of every op of the registry (op_registry.h): for L = sum(out * grad_out), the analytic
// dL/dx from the tape must match (L(x + h) - L(x - h)) / 2h at sampled elements of each input.
#include <catch2/catch.hpp>

#include <cmath>

#include "op_registry.h"

using namespace vit;
using namespace vit::testing;

namespace {

double weighted_sum(const OpCase& op, const OpArgs& inputs, const Tensor& weights) {
  NoGradGuard no_grad;
  Tape tape;
  const std::vector<float> out = op.run(inputs, tape).to_vector(), w = weights.to_vector();
  double sum = 0.0;
  for (std::size_t i = 0; i < out.size(); ++i) sum += static_cast<double>(out[i]) * w[i];
  return sum;
}

}  // namespace

TEST_CASE("op gradients match finite differences", "[ops][gradcheck]") {
  constexpr int kSamplesPerInput = 16;
  constexpr float kStep = 1e-2f;
  for (const OpCase& op : op_registry()) {
    DYNAMIC_SECTION(op.name) {
      const SafetensorsFile golden = load_golden(op);
      const OpArgs inputs = golden_args(op, golden);
      const Tensor weights = golden.at("grad_out");
      Tape tape;
      tape.backward(op.run(inputs, tape), weights);

      for (std::size_t k = 0; k < op.inputs.size(); ++k) {
        const Tensor& input = inputs[k];
        const std::string& name = op.inputs[k];
        if (!input.requires_grad()) continue;
        const std::vector<float> analytic = input.grad().to_vector();
        const std::int64_t n = input.numel();
        const std::int64_t stride = std::max<std::int64_t>(1, n / kSamplesPerInput);
        float* value = input.data<float>();
        for (std::int64_t i = (n * 7 / 13) % stride; i < n; i += stride) {
          const float saved = value[i];
          value[i] = saved + kStep;
          const double plus = weighted_sum(op, inputs, weights);
          value[i] = saved - kStep;
          const double minus = weighted_sum(op, inputs, weights);
          value[i] = saved;
          const double numeric = (plus - minus) / (2.0 * static_cast<double>(kStep));
          INFO(op.name << ": d/d" << name << "[" << i << "] analytic " << analytic[i] << " numeric " << numeric);
          CHECK(std::abs(numeric - analytic[i]) <= 1e-2 * std::max(1.0, std::abs(numeric)));
        }
      }
    }
  }
}
