// The op registry's timing mode (tests/op_registry.h): every op of the registry, forward and
// backward through the public API (checks, dispatch, tape) on the cpu, at ViT-S/16 sizes with
// batch 8. Reports the time per forward+backward and the bytes of its inputs and output per second
// (a floor on the memory traffic, comparable across ops; the kernel benchmarks report FLOP/s).
#include <string>
#include <vector>

#include "bench_util.h"
#include "op_registry.h"
#include "vitcuda/vitcuda.h"

namespace {

using vit::testing::OpCase;

vit::Tensor random_tensor(const vit::Shape& shape, std::uint64_t salt, float stddev) {
  vit::Rng rng(salt);
  return vit::Tensor::randn(shape, rng, stddev);
}

void run_case(benchmark::State& state, const OpCase& op) {
  std::vector<vit::Tensor> inputs = op.timing(random_tensor);
  double bytes = 0;
  for (vit::Tensor& t : inputs) {
    if (t.dtype() == vit::DType::f32) t.set_requires_grad();
    bytes += static_cast<double>(t.nbytes());
  }
  const vit::testing::OpArgs args{inputs, op.numbers};
  vit::Tensor upstream;
  for (auto _ : state) {
    vit::Tape tape;
    const vit::Tensor out = op.run(args, tape);
    if (!upstream.defined()) upstream = random_tensor(out.shape(), 99, 1.0f);
    tape.backward(out, upstream);
    for (vit::Tensor& t : inputs) {
      if (t.requires_grad()) t.zero_grad();
    }
  }
  vit::bench::report_bytes(state, bytes + static_cast<double>(upstream.nbytes()));
}

const bool registered = [] {
  for (const OpCase& op : vit::testing::op_registry()) {
    benchmark::RegisterBenchmark(("op/" + op.name + "/forward+backward").c_str(),
                                 [&op](benchmark::State& state) { run_case(state, op); })
        ->UseRealTime();
  }
  return true;
}();

}  // namespace
