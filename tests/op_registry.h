#pragma once
// The one registry of op test cases (like ggml's test-backend-ops). Each case names its op, its
// inputs and their tolerances, and every mode runs every case:
//   golden     forward and backward against PyTorch in float64 (tests/golden/<name>.safetensors,
//              written by tools/make_golden.py), test_ops_golden.cpp
//   gradcheck  the backward against finite differences on the golden inputs, test_gradcheck.cpp
//   cuda       the cuda backend against the cpu in f32 on random odd-sized inputs (on the SIMT
//              interpreter, with its NaN-poisoned allocations), tests/cuda/test_ops_cuda.cpp
//   amp        bf16 autocast on cuda against f32 on the cpu, tests/cuda/test_amp_ops.cpp
//   timing     forward and backward at ViT-S/16 sizes (batch 8), bench/ops.cpp
// Adding an op is one entry in op_registry.cpp (and, for the golden modes, one in make_golden.py).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "vitcuda/autograd/tape.h"
#include "vitcuda/io/safetensors.h"

namespace vit::testing {

struct OpArgs {
  std::vector<Tensor> tensors;            // in the order of OpCase::inputs
  std::map<std::string, double> numbers;  // scalar arguments: "heads", "eps", "p", ...
  DType activation = DType::f32;          // what an op that lets the caller choose produces (amp: bf16)

  const Tensor& operator[](std::size_t i) const { return tensors.at(i); }
  double number(const std::string& key) const;  // throws naming a missing key
};

// A random normal cpu tensor of `shape` drawn from `salt` (each mode passes its own generator).
using RandomTensor = std::function<Tensor(const Shape& shape, std::uint64_t salt, float stddev)>;

struct OpCase {
  std::string name;                 // also the stem of its golden file
  std::vector<std::string> inputs;  // input names, as the golden file holds them (in.<name>)
  std::function<Tensor(const OpArgs&, Tape&)> run;
  double golden_tolerance;          // normwise error against PyTorch (golden mode)
  std::map<std::string, double> numbers;                           // the random modes' scalar arguments
  std::function<std::vector<Tensor>(const RandomTensor&)> random;  // odd-sized inputs of the random modes
  std::vector<bool> activations;    // the random inputs autocast makes bf16; empty: no amp mode
  double cuda_tolerance = 1e-5;     // normwise, cpu against cuda in f32; 0: bit-identical (dropout masks)
  std::function<std::vector<Tensor>(const RandomTensor&)> timing;  // inputs at ViT-S/16 sizes, batch 8
};

const std::vector<OpCase>& op_registry();

// The golden mode's arguments: the file's inputs by name (those with a reference gradient require
// grad) and its metadata as numbers.
SafetensorsFile load_golden(const OpCase& op);
OpArgs golden_args(const OpCase& op, const SafetensorsFile& golden);

// max |actual - expected| / max(max |expected|, 1e-6): a normwise relative error.
double relative_error(const Tensor& actual, const Tensor& expected);

}  // namespace vit::testing
