#include "op_cases.h"

#include <algorithm>
#include <cmath>

#include "vitcuda/ops.h"

namespace vit::testing {

const Tensor& OpInputs::operator[](const std::string& name) const {
  auto it = tensors.find(name);
  VIT_CHECK(it != tensors.end(), "golden inputs have no '", name, "'.");
  return it->second;
}

double OpInputs::number(const std::string& key) const {
  auto it = metadata.find(key);
  VIT_CHECK(it != metadata.end(), "golden metadata has no '", key, "'.");
  return std::stod(it->second);
}

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = {
      {"linear", 1e-6, [](const OpInputs& in, Tape& t) { return linear(in["x"], in["weight"], in["bias"], t); }},
      {"linear_nobias", 1e-6, [](const OpInputs& in, Tape& t) { return linear(in["x"], in["weight"], Tensor(), t); }},
      {"patch_embed", 1e-6, [](const OpInputs& in, Tape& t) { return patch_embed(in["images"], in["weight"], in["bias"], t); }},
      {"concat_class_token", 0.0, [](const OpInputs& in, Tape& t) { return concat_class_token(in["cls_token"], in["tokens"], t); }},
      {"select_token", 0.0, [](const OpInputs& in, Tape& t) {
         return select_token(in["x"], static_cast<std::int64_t>(in.number("index")), t);
       }},
      {"mean_tokens", 1e-6, [](const OpInputs& in, Tape& t) {
         return mean_tokens(in["x"], static_cast<std::int64_t>(in.number("first")), t);
       }},
      {"add", 1e-7, [](const OpInputs& in, Tape& t) { return add(in["a"], in["b"], t); }},
      {"add_broadcast", 1e-7, [](const OpInputs& in, Tape& t) { return add(in["a"], in["b"], t); }},
      {"layer_norm", 1e-6, [](const OpInputs& in, Tape& t) {
         return layer_norm(in["x"], in["gamma"], in["beta"], static_cast<float>(in.number("eps")), t);
       }},
      {"gelu", 1e-6, [](const OpInputs& in, Tape& t) { return gelu(in["x"], t); }},
      {"tanh", 1e-6, [](const OpInputs& in, Tape& t) { return vit::tanh(in["x"], t); }},
      {"attention", 1e-6, [](const OpInputs& in, Tape& t) {
         return attention(in["qkv"], static_cast<int>(in.number("heads")), t);
       }},
      {"dropout", 1e-7, [](const OpInputs& in, Tape& t) {
         return dropout(in["x"], static_cast<float>(in.number("p")),
                        static_cast<std::uint64_t>(in.number("seed")), t);
       }},
      {"drop_path", 1e-7, [](const OpInputs& in, Tape& t) {
         return drop_path(in["x"], static_cast<float>(in.number("p")),
                          static_cast<std::uint64_t>(in.number("seed")), t);
       }},
      {"cross_entropy", 1e-6, [](const OpInputs& in, Tape& t) {
         return cross_entropy(in["logits"], in["labels"], static_cast<float>(in.number("label_smoothing")), t);
       }},
      {"cross_entropy_plain", 1e-6, [](const OpInputs& in, Tape& t) {
         return cross_entropy(in["logits"], in["labels"], static_cast<float>(in.number("label_smoothing")), t);
       }},
      {"mean", 1e-7, [](const OpInputs& in, Tape& t) { return mean(in["x"], t); }},
  };
  return cases;
}

SafetensorsFile load_golden(const std::string& case_name) {
  return load_safetensors(std::string(VIT_GOLDEN_DIR) + "/" + case_name + ".safetensors");
}

OpInputs golden_inputs(const SafetensorsFile& golden) {
  OpInputs inputs{{}, golden.metadata};
  for (const auto& [key, tensor] : golden.tensors) {
    if (key.rfind("in.", 0) != 0) continue;
    const std::string name = key.substr(3);
    Tensor input = tensor.clone();
    if (golden.tensors.count("grad." + name)) input.set_requires_grad();
    inputs.tensors[name] = input;
  }
  return inputs;
}

double relative_error(const Tensor& actual, const Tensor& expected) {
  VIT_CHECK(actual.shape() == expected.shape(), "shape ", shape_str(actual.shape()),
            " differs from the reference ", shape_str(expected.shape()), ".");
  const std::vector<float> a = actual.to_vector(), e = expected.to_vector();
  double max_diff = 0.0, max_ref = 1e-6;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i])) return INFINITY;
    max_diff = std::max(max_diff, std::abs(static_cast<double>(a[i]) - e[i]));
    max_ref = std::max(max_ref, std::abs(static_cast<double>(e[i])));
  }
  return max_diff / max_ref;
}

}  // namespace vit::testing
