#include "op_registry.h"

#include <algorithm>
#include <cmath>
#include <span>

#include "vitcuda/ops.h"

namespace vit::testing {

double OpArgs::number(const std::string& key) const {
  auto it = numbers.find(key);
  VIT_CHECK(it != numbers.end(), "the op case has no number '", key, "'.");
  return it->second;
}

namespace {

std::int64_t whole(const OpArgs& in, const char* key) { return static_cast<std::int64_t>(in.number(key)); }
float real(const OpArgs& in, const char* key) { return static_cast<float>(in.number(key)); }

Tensor gamma_near_one(const RandomTensor& random, std::int64_t n, std::uint64_t salt) {
  Tensor gamma = random({n}, salt, 0.2f);
  for (float& g : std::span(gamma.data<float>(), static_cast<std::size_t>(n))) g += 1.0f;
  return gamma;
}

// The timing mode's inputs, at ViT-S/16 sizes with batch 8: 197 tokens of 384 features, qkv 1152,
// MLP hidden 1536, 1000 classes.
std::function<std::vector<Tensor>(const RandomTensor&)> timing_inputs(const std::string& op) {
  using R = const RandomTensor&;
  if (op == "linear") {
    return [](R r) { return std::vector{r({8, 197, 384}, 1, 1.0f), r({1152, 384}, 2, 0.05f), r({1152}, 3, 1.0f)}; };
  }
  if (op == "add_layer_norm") {
    return [](R r) {
      return std::vector{r({8, 197, 384}, 1, 1.0f), r({8, 197, 384}, 2, 1.0f), gamma_near_one(r, 384, 9),
                         r({384}, 11, 1.0f)};
    };
  }
  if (op == "linear_gelu") {  // fc1 of the MLP
    return [](R r) { return std::vector{r({8, 197, 384}, 1, 1.0f), r({1536, 384}, 2, 0.05f), r({1536}, 3, 1.0f)}; };
  }
  if (op == "linear_nobias") {
    return [](R r) { return std::vector{r({8, 197, 384}, 1, 1.0f), r({384, 384}, 2, 0.05f)}; };
  }
  if (op == "patch_embed") {
    return [](R r) {
      return std::vector{r({8, 3, 224, 224}, 4, 1.0f), r({384, 3, 16, 16}, 5, 0.05f), r({384}, 6, 1.0f)};
    };
  }
  if (op == "concat_class_token") {
    return [](R r) { return std::vector{r({1, 1, 384}, 7, 1.0f), r({8, 196, 384}, 1, 1.0f)}; };
  }
  if (op == "add") return [](R r) { return std::vector{r({8, 197, 384}, 1, 1.0f), r({8, 197, 384}, 8, 1.0f)}; };
  if (op == "add_broadcast") {
    return [](R r) { return std::vector{r({8, 197, 384}, 1, 1.0f), r({1, 197, 384}, 8, 1.0f)}; };
  }
  if (op == "layer_norm") {
    return [](R r) { return std::vector{r({8, 197, 384}, 10, 1.0f), gamma_near_one(r, 384, 9), r({384}, 11, 1.0f)}; };
  }
  if (op == "gelu") return [](R r) { return std::vector{r({8, 197, 1536}, 1, 1.0f)}; };
  if (op == "tanh") return [](R r) { return std::vector{r({8, 384}, 1, 1.0f)}; };
  if (op == "attention") return [](R r) { return std::vector{r({8, 197, 1152}, 12, 1.0f)}; };
  if (op == "cross_entropy" || op == "cross_entropy_plain") {
    return [](R r) {
      return std::vector{r({8, 1000}, 14, 2.0f), Tensor::from_int32({1, 5, 999, 0, 42, 7, 500, 3}, {8})};
    };
  }
  return [](R r) { return std::vector{r({8, 197, 384}, 1, 1.0f)}; };  // the other ops take one token tensor
}

}  // namespace

const std::vector<OpCase>& op_registry() {
  static const std::vector<OpCase> cases = [] {
    using R = const RandomTensor&;
    std::vector<OpCase> table = {
      {"linear", {"x", "weight", "bias"}, [](auto& in, Tape& t) { return linear(in[0], in[1], in[2], t); }, 1e-6, {},
       [](R r) { return std::vector{r({3, 5, 7}, 1, 1.0f), r({11, 7}, 2, 0.3f), r({11}, 3, 1.0f)}; },
       {true, false, false}},
      {"linear_nobias", {"x", "weight"}, [](auto& in, Tape& t) { return linear(in[0], in[1], Tensor(), t); }, 1e-6,
       {}, [](R r) { return std::vector{r({3, 5, 7}, 1, 1.0f), r({11, 7}, 2, 0.3f)}; }, {true, false}},
      {"linear_gelu", {"x", "weight", "bias"}, [](auto& in, Tape& t) { return linear_gelu(in[0], in[1], in[2], t); },
       1e-6, {}, [](R r) { return std::vector{r({3, 5, 7}, 1, 1.0f), r({11, 7}, 2, 0.3f), r({11}, 3, 1.0f)}; },
       {true, false, false}},
      {"patch_embed", {"images", "weight", "bias"},
       [](auto& in, Tape& t) { return patch_embed(in[0], in[1], in[2], t, in.activation); }, 1e-6, {},
       [](R r) { return std::vector{r({2, 3, 6, 9}, 4, 1.0f), r({5, 3, 3, 3}, 5, 0.2f), r({5}, 6, 1.0f)}; },
       {false, false, false}},
      {"concat_class_token", {"cls_token", "tokens"},
       [](auto& in, Tape& t) { return concat_class_token(in[0], in[1], t); }, 0.0, {},
       [](R r) { return std::vector{r({1, 1, 7}, 7, 1.0f), r({3, 5, 7}, 1, 1.0f)}; }, {false, true}},
      {"select_token", {"x"}, [](auto& in, Tape& t) { return select_token(in[0], whole(in, "index"), t); }, 0.0,
       {{"index", 2}}, [](R r) { return std::vector{r({3, 5, 7}, 1, 1.0f)}; }, {true}},
      {"mean_tokens", {"x"}, [](auto& in, Tape& t) { return mean_tokens(in[0], whole(in, "first"), t); }, 1e-6,
       {{"first", 1}}, [](R r) { return std::vector{r({3, 5, 7}, 1, 1.0f)}; }, {true}},
      {"add", {"a", "b"}, [](auto& in, Tape& t) { return add(in[0], in[1], t); }, 1e-7, {},
       [](R r) { return std::vector{r({3, 5, 7}, 1, 1.0f), r({3, 5, 7}, 8, 1.0f)}; }, {true, true}},
      // Under autocast the broadcast operand is an f32 parameter (a bias, the position embedding).
      {"add_broadcast", {"a", "b"}, [](auto& in, Tape& t) { return add(in[0], in[1], t); }, 1e-7, {},
       [](R r) { return std::vector{r({3, 5, 7}, 1, 1.0f), r({1, 5, 7}, 8, 1.0f)}; }, {true, false}},
      {"layer_norm", {"x", "gamma", "beta"},
       [](auto& in, Tape& t) { return layer_norm(in[0], in[1], in[2], real(in, "eps"), t); }, 1e-6,
       {{"eps", 1e-6}},
       [](R r) { return std::vector{r({3, 5, 37}, 10, 2.0f), gamma_near_one(r, 37, 9), r({37}, 11, 1.0f)}; },
       {true, false, false}},
      // Both outputs meet in one: the sum's gradient comes from both paths, as in a block.
      {"add_layer_norm", {"a", "b", "gamma", "beta"},
       [](auto& in, Tape& t) {
         const AddLayerNorm out = add_layer_norm(in[0], in[1], in[2], in[3], real(in, "eps"), t);
         return add(out.sum, out.normed, t);
       },
       1e-6, {{"eps", 1e-6}},
       [](R r) {
         return std::vector{r({3, 5, 37}, 16, 2.0f), r({3, 5, 37}, 17, 1.0f), gamma_near_one(r, 37, 9),
                            r({37}, 11, 1.0f)};
       },
       {true, true, false, false}},
      {"gelu", {"x"}, [](auto& in, Tape& t) { return gelu(in[0], t); }, 1e-6, {},
       [](R r) { return std::vector{r({3, 5, 7}, 1, 1.0f)}; }, {true}},
      {"tanh", {"x"}, [](auto& in, Tape& t) { return vit::tanh(in[0], t); }, 1e-6, {},
       [](R r) { return std::vector{r({3, 5, 7}, 1, 1.0f)}; }, {true}},
      {"attention", {"qkv"},
       [](auto& in, Tape& t) { return attention(in[0], static_cast<int>(whole(in, "heads")), t); }, 1e-6,
       {{"heads", 3}}, [](R r) { return std::vector{r({2, 5, 36}, 12, 1.0f)}; }, {true}},
      {"dropout", {"x"},
       [](auto& in, Tape& t) {
         return dropout(in[0], real(in, "p"), static_cast<std::uint64_t>(whole(in, "seed")), t);
       },
       1e-7, {{"p", 0.3}, {"seed", 7}}, [](R r) { return std::vector{r({3, 5, 7}, 1, 1.0f)}; }, {true}, 0.0},
      {"drop_path", {"x"},
       [](auto& in, Tape& t) {
         return drop_path(in[0], real(in, "p"), static_cast<std::uint64_t>(whole(in, "seed")), t);
       },
       1e-7, {{"p", 0.4}, {"seed", 9}}, [](R r) { return std::vector{r({5, 3, 7}, 13, 1.0f)}; }, {true}, 0.0},
      {"cross_entropy", {"logits", "labels"},
       [](auto& in, Tape& t) { return cross_entropy(in[0], in[1], real(in, "label_smoothing"), t); }, 1e-6,
       {{"label_smoothing", 0.1}},
       [](R r) { return std::vector{r({5, 7}, 14, 2.0f), Tensor::from_int32({2, 0, 6, 3, 1}, {5})}; },
       {true, false}},
      {"cross_entropy_plain", {"logits", "labels"},
       [](auto& in, Tape& t) { return cross_entropy(in[0], in[1], real(in, "label_smoothing"), t); }, 1e-6,
       {{"label_smoothing", 0.0}},
       [](R r) { return std::vector{r({5, 7}, 15, 2.0f), Tensor::from_int32({6, 1, 1, 0, 4}, {5})}; },
       {true, false}},
      // mean reduces the f32 loss: no bf16 path.
      {"mean", {"x"}, [](auto& in, Tape& t) { return mean(in[0], t); }, 1e-7, {},
       [](R r) { return std::vector{r({3, 5, 7}, 1, 1.0f)}; }, {}},
    };
    for (OpCase& c : table) c.timing = timing_inputs(c.name);
    return table;
  }();
  return cases;
}

SafetensorsFile load_golden(const OpCase& op) {
  return load_safetensors(std::string(VIT_GOLDEN_DIR) + "/" + op.name + ".safetensors");
}

OpArgs golden_args(const OpCase& op, const SafetensorsFile& golden) {
  OpArgs args;
  for (const std::string& name : op.inputs) {
    Tensor input = golden.at("in." + name).clone();
    if (golden.tensors.count("grad." + name)) input.set_requires_grad();
    args.tensors.push_back(input);
  }
  for (const auto& [key, value] : golden.metadata) args.numbers[key] = std::stod(value);
  return args;
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
