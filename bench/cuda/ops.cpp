// The op registry's timing mode on cuda (tests/op_registry.h): every op of the registry, forward
// and backward through the public API (checks, dispatch, tape, caching allocator), in f32 and, for
// the ops with a bf16 path, under bf16 autocast, at ViT-S/16 sizes with batch 8 (the registry's
// tiny test inputs on the interpreter). Bytes: the inputs, the output and the upstream gradient
// once each, a floor on the traffic; of_peak compares it with the device's bandwidth.
#include <string>
#include <vector>

#include "cuda_bench.h"
#include "op_registry.h"
#include "vitcuda/vitcuda.h"

namespace {

using vit::testing::OpCase;

vit::Tensor random_tensor(const vit::Shape& shape, std::uint64_t salt, float stddev) {
  vit::Rng rng(salt);
  return vit::Tensor::randn(shape, rng, stddev);
}

void run_case(benchmark::State& state, const OpCase& op, vit::DType activation) {
  std::vector<vit::Tensor> inputs =
      vit::cuda::bench::interpreter() ? op.random(random_tensor) : op.timing(random_tensor);
  double bytes = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    vit::Tensor& t = inputs[i];
    if (activation == vit::DType::bf16 && op.activations[i]) t = t.to(vit::DType::bf16);
    t = t.to(vit::Device::cuda());
    if (t.dtype() != vit::DType::i32) t.set_requires_grad();
    bytes += static_cast<double>(t.nbytes());
  }
  const vit::testing::OpArgs args{inputs, op.numbers, activation};
  vit::Tensor upstream;
  {
    vit::Tape tape;
    const vit::Tensor out = op.run(args, tape);
    upstream = random_tensor(out.shape(), 99, 1.0f).to(out.dtype()).to(vit::Device::cuda());
    bytes += 2.0 * static_cast<double>(upstream.nbytes());  // the output and its gradient
  }
  vit::cuda::bench::run_timed(state, {bytes}, [&] {
    vit::Tape tape;
    tape.backward(op.run(args, tape), upstream);
    for (vit::Tensor& t : inputs) {
      if (t.requires_grad()) t.zero_grad();
    }
  });
}

const bool registered = [] {
  for (const OpCase& op : vit::testing::op_registry()) {
    benchmark::RegisterBenchmark(("op/" + op.name + "/f32").c_str(),
                                 [&op](benchmark::State& state) { run_case(state, op, vit::DType::f32); })
        ->UseManualTime();
    if (op.activations.empty()) continue;
    benchmark::RegisterBenchmark(("op/" + op.name + "/bf16").c_str(),
                                 [&op](benchmark::State& state) { run_case(state, op, vit::DType::bf16); })
        ->UseManualTime();
  }
  return true;
}();

}  // namespace
