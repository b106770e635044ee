// Bad arguments to ops get one clear sentence naming the op and the argument.
#include <catch2/catch.hpp>

#include "vitcuda/ops.h"

using namespace vit;

TEST_CASE("ops: shape and dtype mismatches are reported clearly", "[ops][errors]") {
  Tape tape;
  const Tensor x = Tensor::zeros({2, 3, 4});
  CHECK_THROWS_WITH(linear(x, Tensor::zeros({5, 3}), Tensor(), tape), Catch::Contains("does not end in the weight's input size 3"));
  CHECK_THROWS_WITH(linear(x, Tensor::zeros({5, 4}), Tensor::zeros({4}), tape), Catch::Contains("bias [4] must be [5]"));
  CHECK_THROWS_WITH(linear(Tensor::zeros({2, 4}, DType::i32), Tensor::zeros({5, 4}), Tensor(), tape),
                    Catch::Contains("argument 'x' must be f32 or bf16, got i32"));
  CHECK_THROWS_WITH(linear(Tensor::zeros({2, 4}, DType::bf16), Tensor::zeros({5, 4}), Tensor(), tape),
                    Catch::Contains("argument 'x' is bf16 on the cpu; bf16 runs on the cuda device only"));
  CHECK_THROWS_WITH(linear(Tensor::zeros({2, 4}), Tensor::zeros({5, 4}, DType::bf16), Tensor(), tape),
                    Catch::Contains("argument 'weight' must be f32, got bf16"));
  CHECK_THROWS_WITH(patch_embed(Tensor::zeros({1, 3, 10, 8}), Tensor::zeros({4, 3, 4, 4}), Tensor::zeros({4}), tape),
                    Catch::Contains("not a multiple of the patch size 4"));
  CHECK_THROWS_WITH(patch_embed(Tensor::zeros({1, 1, 8, 8}), Tensor::zeros({4, 3, 4, 4}), Tensor::zeros({4}), tape),
                    Catch::Contains("does not fit images with 1 channels"));
  CHECK_THROWS_WITH(concat_class_token(Tensor::zeros({1, 1, 3}), x, tape), Catch::Contains("must be [1, 1, 4]"));
  CHECK_THROWS_WITH(select_token(x, 3, tape), Catch::Contains("index 3 is out of range for 3 tokens"));
  CHECK_THROWS_WITH(add(x, Tensor::zeros({2, 3, 5}), tape), Catch::Contains("must be [2, 3, 4] or [1, 3, 4]"));
  CHECK_THROWS_WITH(layer_norm(x, Tensor::zeros({3}), Tensor::zeros({4}), 1e-6f, tape), Catch::Contains("must be [4]"));
  CHECK_THROWS_WITH(attention(Tensor::zeros({2, 3, 12}), 3, tape), Catch::Contains("dim 4 is not divisible by 3 heads"));
  CHECK_THROWS_WITH(attention(Tensor::zeros({2, 3, 10}), 1, tape), Catch::Contains("must end in 3*D"));
  CHECK_THROWS_WITH(dropout(x, 1.0f, 0, tape), Catch::Contains("must be in [0, 1), got 1"));
}

TEST_CASE("ops: cross_entropy checks labels", "[ops][errors]") {
  Tape tape;
  const Tensor logits = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH(cross_entropy(logits, Tensor::from_int32({0, 3}, {2}), 0.0f, tape),
                    Catch::Contains("label 3 of sample 1 is outside the 3 classes"));
  CHECK_THROWS_WITH(cross_entropy(logits, Tensor::zeros({2}), 0.0f, tape), Catch::Contains("labels must be an i32"));
  CHECK_THROWS_WITH(cross_entropy(logits, Tensor::from_int32({0}, {1}), 0.0f, tape), Catch::Contains("must be [2]"));
}
