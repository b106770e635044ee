// The GradReducer across two processes: each gradient ends as the exact mean of the processes'
// gradients, buckets go out while the backward walk goes on, and the parameters it cannot
// reduce correctly (used twice, or not at all) are named.
#include <catch2/catch.hpp>

#include "vitcuda/vitcuda.h"
#include "world.h"

using namespace vit;
using testing::dist_devices;
using testing::world;

namespace {

// Two linear layers, 3 -> 4 -> 2, on `device`.
struct TwoLayers {
  std::vector<NamedTensor> params;
  TwoLayers(Device device, std::uint64_t seed) {
    Rng rng(seed);
    for (const auto& [name, shape] : std::vector<std::pair<std::string, Shape>>{
             {"fc1.weight", {4, 3}}, {"fc1.bias", {4}}, {"fc2.weight", {2, 4}}, {"fc2.bias", {2}}}) {
      Tensor p = Tensor::randn(shape, rng).to(device);
      p.set_requires_grad();
      params.push_back({name, p});
    }
  }
  Tensor loss(const Tensor& x, Tape& tape) const {
    const Tensor hidden = linear(x, params[0].tensor, params[1].tensor, tape);
    return mean(linear(hidden, params[2].tensor, params[3].tensor, tape), tape);
  }
};

// The input of process `rank`: each process sees other data.
Tensor input_of(int rank, Device device) {
  Rng rng(100 + rank);
  return Tensor::randn({5, 3}, rng).to(device);
}

std::vector<std::vector<float>> gradients(const TwoLayers& model) {
  std::vector<std::vector<float>> all;
  for (const NamedTensor& p : model.params) all.push_back(p.tensor.grad().to_vector());
  return all;
}

}  // namespace

TEST_CASE("the reducer leaves each gradient holding the mean over the processes", "[dist]") {
  for (const Device device : dist_devices()) {
    INFO("device " << device.str());
    // The mean, worked out here from both processes' inputs.
    TwoLayers model(device, 1);
    std::vector<std::vector<float>> expected;
    for (int rank = 0; rank < 2; ++rank) {
      Tape tape;
      for (const NamedTensor& p : model.params) p.tensor.zero_grad();
      tape.backward(model.loss(input_of(rank, device), tape));
      const auto g = gradients(model);
      if (rank == 0) {
        expected = g;
      } else {
        for (std::size_t t = 0; t < g.size(); ++t)
          for (std::size_t i = 0; i < g[t].size(); ++i) expected[t][i] = (expected[t][i] + g[t][i]) * 0.5f;
      }
    }
    // One bucket per parameter: the walk's first linear entry completes fc2's two.
    dist::GradReducer reducer(world(), model.params, 1);
    REQUIRE(reducer.buckets() == 4);
    for (const NamedTensor& p : model.params) p.tensor.zero_grad();
    Tape tape;
    const Tensor loss = model.loss(input_of(world().rank(), device), tape);
    std::vector<std::size_t> sent_during_walk;  // after each entry
    reducer.begin();
    tape.backward(loss, Tensor::full({}, 1.0f, DType::f32, device), [&] {
      reducer.on_backward_progress();
      sent_during_walk.push_back(reducer.buckets_sent());
    });
    CHECK(std::find(sent_during_walk.begin(), sent_during_walk.end(), 2u) != sent_during_walk.end());
    reducer.finish();
    CHECK(gradients(model) == expected);  // bitwise: a + b is b + a, and halving is exact
  }
}

TEST_CASE("the reducer names a parameter used twice or not at all", "[dist]") {
  Rng rng(7);
  Tensor square = Tensor::randn({3, 3}, rng).set_requires_grad(), bias = Tensor::zeros({3}).set_requires_grad();
  Tensor unused = Tensor::zeros({2}).set_requires_grad();
  const Tensor x = input_of(world().rank(), Device::cpu());
  {
    dist::GradReducer reducer(world(), {{"square", square}, {"bias", bias}}, 1);
    Tape tape;
    const Tensor twice = mean(linear(linear(x, square, bias, tape), square, bias, tape), tape);
    reducer.begin();
    tape.backward(twice, Tensor::full({}, 1.0f), [&] { reducer.on_backward_progress(); });
    CHECK_THROWS_WITH(reducer.finish(), Catch::Contains("'bias' got a gradient after its bucket was sent"));
  }
  {
    dist::GradReducer reducer(world(), {{"square", square}, {"bias", bias}, {"unused", unused}});
    Tape tape;
    const Tensor loss = mean(linear(x, square, bias, tape), tape);
    reducer.begin();
    tape.backward(loss, Tensor::full({}, 1.0f), [&] { reducer.on_backward_progress(); });
    CHECK_THROWS_WITH(reducer.finish(), Catch::Contains("parameter 'unused' got no gradient"));
  }
}

TEST_CASE("metrics and broadcasts reach every process", "[dist]") {
  std::vector<std::int64_t> counts = {world().rank() + 1, 10};
  world().all_reduce_sum(counts);
  CHECK(counts == std::vector<std::int64_t>{3, 20});
  for (const Device device : dist_devices()) {
    Tensor t = Tensor::full({3}, static_cast<float>(world().rank() + 5)).to(device);
    world().broadcast(t, 1);
    CHECK(t.to_vector() == std::vector<float>{6, 6, 6});
  }
  CHECK(world().backend(Device::cpu()) == "mpi");
}
