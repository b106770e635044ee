#include <catch2/catch.hpp>

#include "vitcuda/ops.h"

using namespace vit;

TEST_CASE("tape: records only ops whose inputs require grad", "[autograd]") {
  Tensor x = Tensor::from_vector({1, -2, 3}, {3});
  Tape tape;
  Tensor y = gelu(x, tape);
  CHECK(tape.size() == 0);
  CHECK_FALSE(y.requires_grad());

  x.set_requires_grad();
  Tensor z = gelu(x, tape);
  CHECK(tape.size() == 1);
  CHECK(z.requires_grad());
  CHECK_FALSE(z.is_leaf());
  CHECK(x.is_leaf());
  CHECK(tape.op_names() == std::vector<std::string>{"gelu"});
}

TEST_CASE("tape: gradients of a tensor used twice accumulate", "[autograd]") {
  // y = mean(x + x) = 2 mean(x): dy/dx_i = 2/n
  Tensor x = Tensor::from_vector({1, 2, 3, 4}, {4});
  x.set_requires_grad();
  Tape tape;
  Tensor y = mean(add(x, x, tape), tape);
  tape.backward(y);
  CHECK(x.grad().to_vector() == std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f});
}

TEST_CASE("tape: leaf gradients accumulate across backward passes until zero_grad", "[autograd]") {
  Tensor x = Tensor::from_vector({1, 2}, {2});
  x.set_requires_grad();
  for (int pass = 0; pass < 2; ++pass) {
    Tape tape;
    tape.backward(mean(x, tape));
  }
  CHECK(x.grad().to_vector() == std::vector<float>{1.0f, 1.0f});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("tape: backward walks in reverse through a chain", "[autograd]") {
  // y = mean(tanh(x)^(gelu)) chain checked against the closed form for one element.
  Tensor x = Tensor::from_vector({0.7f}, {1});
  x.set_requires_grad();
  Tape tape;
  Tensor y = mean(vit::tanh(gelu(x, tape), tape), tape);
  CHECK(tape.size() == 3);
  tape.backward(y);
  const double g = 0.5 * 0.7 * (1 + std::erf(0.7 / std::sqrt(2.0)));
  const double dg = 0.5 * (1 + std::erf(0.7 / std::sqrt(2.0))) + 0.7 * std::exp(-0.245) / std::sqrt(2 * M_PI);
  const double expected = (1 - std::tanh(g) * std::tanh(g)) * dg;
  CHECK(x.grad().item() == Approx(expected).epsilon(1e-5));
}

TEST_CASE("tape: backward frees saved activations and intermediate gradients", "[autograd]") {
  Tensor x = Tensor::from_vector({1, 2, 3}, {3});
  x.set_requires_grad();
  Tape tape;
  Tensor hidden = vit::tanh(x, tape);
  const std::weak_ptr<Storage> hidden_storage = hidden.storage();
  const Tensor loss = mean(gelu(hidden, tape), tape);  // gelu's backward needs hidden's values
  hidden = Tensor();
  CHECK_FALSE(hidden_storage.expired());
  tape.backward(loss);
  CHECK(tape.size() == 0);
  CHECK(hidden_storage.expired());
  CHECK_FALSE(loss.grad().defined());
  CHECK(x.grad().defined());
}

TEST_CASE("tape: the walk frees what each entry saved as soon as the entry has run", "[autograd]") {
  Tensor x = Tensor::from_vector({1, 2, 3}, {3});
  x.set_requires_grad();
  Tape tape;
  // A probe recorded first runs last: by then tanh and gelu, which both saved `hidden`, have run.
  Tensor start = x.clone();
  std::weak_ptr<Storage> hidden_storage;
  bool freed_before_the_end = false;
  tape.record("probe", start, [&](const Tensor& grad) {
    freed_before_the_end = hidden_storage.expired();
    x.accumulate_grad(grad);
  });
  Tensor hidden = vit::tanh(start, tape);  // tanh saves its output, gelu its input: both `hidden`
  hidden_storage = hidden.storage();
  const Tensor loss = mean(gelu(hidden, tape), tape);
  hidden = Tensor();
  tape.backward(loss);
  CHECK(freed_before_the_end);
  CHECK(x.grad().defined());
}

TEST_CASE("tape: an intermediate gradient is shared, not copied, and never changed in place once shared",
          "[autograd]") {
  Tensor x = Tensor::from_vector({1, 2, 3}, {3});
  x.set_requires_grad();
  Tape tape;
  const Tensor a = vit::tanh(x, tape), b = gelu(x, tape);  // intermediates, as the residual add's inputs
  const Tensor g = Tensor::from_vector({1, 1, 1}, {3});
  a.accumulate_grad(g);
  b.accumulate_grad(g);
  CHECK(a.grad().storage() == g.storage());
  CHECK(b.grad().storage() == g.storage());

  a.accumulate_grad(Tensor::from_vector({2, 2, 2}, {3}));  // a fresh gradient takes the shared one in
  const Tensor h = Tensor::from_vector({5, 5, 5}, {3});
  b.accumulate_grad(h);  // a borrowed one: the shared gradient is copied first
  CHECK(a.grad().to_vector() == std::vector<float>{3, 3, 3});
  CHECK(b.grad().to_vector() == std::vector<float>{6, 6, 6});
  CHECK(g.to_vector() == std::vector<float>{1, 1, 1});
  CHECK(h.to_vector() == std::vector<float>{5, 5, 5});

  x.accumulate_grad(g);  // a leaf's gradient is its own: the optimizer changes it in place
  CHECK(x.grad().storage() != g.storage());
}

TEST_CASE("tape: tensors needed only as gradient targets are freed after the forward", "[autograd]") {
  Tensor x = Tensor::from_vector({1, 2, 3}, {3});
  x.set_requires_grad();
  Tape tape;
  Tensor summed = add(gelu(x, tape), x, tape);
  const std::weak_ptr<Storage> summed_storage = summed.storage();
  const Tensor loss = mean(summed, tape);  // mean's backward needs only the shape
  summed = Tensor();
  CHECK(summed_storage.expired());
  tape.backward(loss);
  const double g = 0.5 * (1 + std::erf(1 / std::sqrt(2.0))) + std::exp(-0.5) / std::sqrt(2 * M_PI);
  CHECK(x.grad().to_vector()[0] == Approx((g + 1) / 3).epsilon(1e-5));
}

TEST_CASE("tape: no-grad guard records nothing", "[autograd]") {
  Tensor x = Tensor::from_vector({1, 2}, {2});
  x.set_requires_grad();
  Tape tape;
  {
    NoGradGuard no_grad;
    CHECK_FALSE(grad_enabled());
    Tensor y = gelu(x, tape);
    CHECK_FALSE(y.requires_grad());
  }
  CHECK(grad_enabled());
  CHECK(tape.size() == 0);
}

TEST_CASE("tape: backward errors are clear", "[autograd]") {
  Tensor x = Tensor::from_vector({1, 2}, {2});
  Tape tape;
  CHECK_THROWS_WITH(tape.backward(mean(x, tape)), Catch::Contains("does not require grad"));
  x.set_requires_grad();
  CHECK_THROWS_WITH(tape.backward(gelu(x, tape)), Catch::Contains("one-element loss"));
}
