#pragma once
// The registry of op test cases (like ggml's test-backend-ops): each case names a golden file
// written by tools/make_golden.py and says how to run the op on the file's inputs. The golden
// comparison (test_ops_golden.cpp) and the finite-difference check (test_gradcheck.cpp) both
// run every case.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "vitcuda/autograd/tape.h"
#include "vitcuda/io/safetensors.h"

namespace vit::testing {

struct OpInputs {
  std::map<std::string, Tensor> tensors;        // "x", "weight", ... (the file's in.<name>)
  std::map<std::string, std::string> metadata;  // the case's config
  const Tensor& operator[](const std::string& name) const;
  double number(const std::string& key) const;
};

struct OpCase {
  std::string name;         // golden file stem
  double tolerance;         // max error relative to the largest reference value
  std::function<Tensor(const OpInputs&, Tape&)> run;
};

const std::vector<OpCase>& op_cases();

// The golden file of a case; its float inputs that have a reference gradient require grad.
SafetensorsFile load_golden(const std::string& case_name);
OpInputs golden_inputs(const SafetensorsFile& golden);

// max |actual - expected| / max(max |expected|, 1e-6): a normwise relative error.
double relative_error(const Tensor& actual, const Tensor& expected);

}  // namespace vit::testing
