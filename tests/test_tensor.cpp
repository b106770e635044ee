#include <catch2/catch.hpp>

#include "vitcuda/runtime/rng.h"
#include "vitcuda/runtime/tensor.h"

using vit::DType;
using vit::Shape;
using vit::Tensor;

TEST_CASE("tensor: shape dtype device and size", "[tensor]") {
  Tensor t = Tensor::zeros({2, 3, 5});
  CHECK(t.shape() == Shape{2, 3, 5});
  CHECK(t.numel() == 30);
  CHECK(t.ndim() == 3);
  CHECK(t.size(-1) == 5);
  CHECK(t.dtype() == DType::f32);
  CHECK(t.device().is_cpu());
  CHECK(t.nbytes() == 120);
  CHECK_THROWS_WITH(t.size(3), Catch::Contains("dim 3 is out of range"));
  CHECK(Tensor::empty({4}, DType::u8).nbytes() == 4);
  CHECK(Tensor::empty({4}, DType::bf16).nbytes() == 8);
  CHECK(Tensor::empty({4}, DType::i32).nbytes() == 16);
}

TEST_CASE("tensor: reshape and slice are views sharing storage", "[tensor]") {
  Tensor t = Tensor::from_vector({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor r = t.reshape({3, -1});
  CHECK(r.shape() == Shape{3, 2});
  r.data<float>()[0] = 42.0f;
  CHECK(t.data<float>()[0] == 42.0f);

  Tensor row = t.slice(1, 2);
  CHECK(row.shape() == Shape{1, 3});
  CHECK(row.to_vector() == std::vector<float>{3, 4, 5});
  row.fill(7.0f);
  CHECK(t.to_vector() == std::vector<float>{42, 1, 2, 7, 7, 7});

  CHECK_THROWS_WITH(t.reshape({4, 2}), Catch::Contains("cannot reshape [2, 3]"));
  CHECK_THROWS_WITH(t.reshape({-1, -1}), Catch::Contains("more than one -1"));
  CHECK_THROWS_WITH(t.slice(1, 3), Catch::Contains("out of range"));
}

TEST_CASE("tensor: clone copies and copy_from overwrites", "[tensor]") {
  Tensor t = Tensor::from_vector({1, 2, 3}, {3});
  Tensor c = t.clone();
  c.fill(0.0f);
  CHECK(t.to_vector() == std::vector<float>{1, 2, 3});
  c.copy_from(t);
  CHECK(c.to_vector() == std::vector<float>{1, 2, 3});
  CHECK_THROWS_WITH(c.copy_from(Tensor::zeros({4})), Catch::Contains("does not match"));
}

TEST_CASE("tensor: dtype errors name both dtypes", "[tensor]") {
  Tensor t = Tensor::zeros({2}, DType::i32);
  CHECK_THROWS_WITH(t.data<float>(), Catch::Contains("holds i32 but was read as f32"));
  CHECK_THROWS_WITH(t.set_requires_grad(), Catch::Contains("only floating-point"));
  CHECK_THROWS_WITH(Tensor().shape(), Catch::Contains("undefined"));
#if !(VIT_CUDA_SIM || VIT_CUDA_ON)  // with a CUDA backend cuda tensors exist (tests/cuda/)
  CHECK_THROWS_WITH(Tensor::empty({2}, DType::f32, vit::Device::cuda()), Catch::Contains("no cuda:0 backend"));
#endif
}

TEST_CASE("tensor: bf16 round trip rounds to nearest even", "[tensor]") {
  // 1 + 2^-8 is exactly halfway between two bf16 values: ties go to the even mantissa (1.0).
  Tensor t = Tensor::from_vector({1.0f, 1.0f + 1.0f / 256, 1.0f + 3.0f / 256, -2.5f, 3.0e38f}, {5});
  Tensor b = t.to(DType::bf16);
  CHECK(b.dtype() == DType::bf16);
  const std::vector<float> back = b.to(DType::f32).to_vector();
  CHECK(back[0] == 1.0f);
  CHECK(back[1] == 1.0f);
  CHECK(back[2] == 1.0f + 4.0f / 256);
  CHECK(back[3] == -2.5f);
  CHECK(std::abs(back[4] - 3.0e38f) / 3.0e38f < 1.0f / 128);

  vit::Rng rng(3);
  Tensor r = Tensor::randn({1000}, rng);
  const std::vector<float> original = r.to_vector(), rounded = r.to(DType::bf16).to_vector();
  for (std::size_t i = 0; i < original.size(); ++i) {
    CHECK(std::abs(original[i] - rounded[i]) <= std::abs(original[i]) / 256);
  }
}

TEST_CASE("tensor: u8 and i32 convert to f32", "[tensor]") {
  Tensor u = Tensor::full({3}, 200.0f, DType::u8);
  CHECK(u.to(DType::f32).to_vector() == std::vector<float>{200, 200, 200});
  Tensor i = Tensor::from_int32({-3, 0, 9}, {3});
  CHECK(i.to(DType::f32).to_vector() == std::vector<float>{-3, 0, 9});
  CHECK_THROWS_WITH(i.to(DType::u8), Catch::Contains("not supported"));
}
