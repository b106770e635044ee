// The training step on cuda queues its work and never waits for the device: the loss, the correct
// count and the label check stay there (cross_entropy_and_correct, LossTally), the backward seed
// is filled there, and gradient clipping hands its factor to the update kernels. In the
// interpreter build the runtime counts every call that would make a GPU's host thread wait
// (runtime/simt/host_sync.h); on a GPU these tests check only the results.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include "../tiny_vit.h"
#include "../train_run_fixtures.h"
#include "kernel_check.h"
#include "op_compare.h"
#include "vitcuda/data.h"
#include "vitcuda/vitcuda.h"
#if VIT_CUDA_SIM
#include "runtime/simt/host_sync.h"
#endif

using namespace vit;
using namespace vit::cuda::testing;

namespace {

std::int64_t host_waits() {
#if VIT_CUDA_SIM
  return simt::host_synchronizations();
#else
  return 0;  // a GPU build cannot count them
#endif
}

struct TinyRun {
  ViT model;
  optim::SGD optimizer;  // SGD: AdamW hardly changes when every gradient is scaled alike
  Tensor images, labels;
  LossTally tally{Device::cuda()};

  TinyRun(DType autocast, float clip)
      : model(testing::tiny_vit_config_all_paths(), Device::cuda()),
        optimizer(model.named_parameters(), optim::SGDOptions{.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.01f}),
        images(random_tensor({3, 3, 8, 8}, 40).to(Device::cuda())),
        labels(Tensor::from_int32({2, 0, 1}, {3}).to(Device::cuda())) {
    model.set_autocast(autocast);
    optimizer.set_clip_grad_norm(clip);
  }

  void step() {
    Tape tape;
    const CrossEntropy loss = cross_entropy_and_correct(model.forward(images, tape), labels, 0.1f, tape);
    tally.add(loss, labels.numel());
    optimizer.zero_grad();
    tape.backward(loss.loss);
    optimizer.step();
  }
};

}  // namespace

TEST_CASE("train step: no host synchronisation inside a step, one to read the tally", "[cuda][train]") {
  for (const DType autocast : {DType::f32, DType::bf16}) {
    INFO("autocast " << dtype_name(autocast));
    TinyRun run(autocast, 0.5f);
    // The first step creates the optimizer state; the second is the first to hold gradients during
    // its forward, and fills the allocator's cache for every later step.
    run.step();
    run.step();
    const std::int64_t before = host_waits();
    for (int i = 0; i < 3; ++i) run.step();
    CHECK(host_waits() == before);
    const LossTally::Sums sums = run.tally.read();
#if VIT_CUDA_SIM
    CHECK(host_waits() > before);
#endif
    CHECK(std::isfinite(sums.loss_sum));
    CHECK(sums.loss_sum > 0.0);
    CHECK(sums.correct >= 0);
    CHECK(sums.correct <= 15);
  }
}

TEST_CASE("train step: u8 batches uploaded on the copy stream need no host wait either", "[cuda][train]") {
  TinyRun run(DType::bf16, 0.5f);
  run.model.set_input_normalization({0.4f, 0.5f, 0.6f}, {0.2f, 0.25f, 0.3f});
  BatchUpload images(Device::cuda()), labels(Device::cuda());
  std::vector<Tensor> host_batches;
  for (int b = 0; b < 4; ++b) {
    Tensor batch = Tensor::empty({3, 3, 8, 8}, DType::u8);
    for (std::int64_t i = 0; i < batch.numel(); ++i)
      batch.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i * 7 + b * 31);
    host_batches.push_back(batch);
  }
  const Tensor host_labels = Tensor::from_int32({2, 0, 1}, {3});
  const auto step = [&](int b) {
    Tape tape;
    const Tensor y = labels.upload(host_labels);
    const CrossEntropy loss =
        cross_entropy_and_correct(run.model.forward(images.upload(host_batches[b]), tape), y, 0.1f, tape);
    run.tally.add(loss, 3);
    run.optimizer.zero_grad();
    tape.backward(loss.loss);
    run.optimizer.step();
  };
  step(0);
  step(1);  // both slots pinned and allocated, the optimizer state made
  const std::int64_t before = host_waits();
  step(2);
  step(3);
  step(0);
  CHECK(host_waits() == before);
  CHECK(std::isfinite(run.tally.read().loss_sum));
}

TEST_CASE("train step: each upload lands in its own buffer, two take turns", "[cuda][train]") {
  BatchUpload upload(Device::cuda());
  std::vector<Tensor> got;
  for (int b = 0; b < 3; ++b) {
    Tensor batch = Tensor::empty({5, 7}, DType::u8);
    for (std::int64_t i = 0; i < batch.numel(); ++i)
      batch.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i + 40 * b);
    got.push_back(upload.upload(batch));
    CHECK(got.back().to_vector() == batch.to_vector());
    batch.fill(0.0f);  // the host batch may be reused at once
    CHECK(got.back().to_vector() != batch.to_vector());
  }
  CHECK(got[0].raw_data() == got[2].raw_data());
  CHECK(got[0].raw_data() != got[1].raw_data());
  CHECK(got[1].to_vector()[0] == 40.0f);                                  // the other buffer keeps its batch
  const Tensor smaller = upload.upload(Tensor::from_int32({1, 2}, {2}));  // a new shape and dtype
  CHECK(smaller.dtype() == DType::i32);
  CHECK(smaller.to_vector() == std::vector<float>{1.0f, 2.0f});
  CHECK_THROWS_WITH(upload.upload(smaller), Catch::Contains("host memory"));
}

TEST_CASE("train step: u8 images normalised in the patch embedding give the f32 path's bits", "[cuda][train]") {
  for (const DType autocast : {DType::f32, DType::bf16}) {
    ViT model(testing::tiny_vit_config(), Device::cuda());
    model.set_autocast(autocast);
    model.eval();
    data::Normalize normalize;
    normalize.mean = {0.485f, 0.456f, 0.406f};
    normalize.std = {0.229f, 0.224f, 0.225f};
    model.set_input_normalization({normalize.mean.begin(), normalize.mean.end()},
                                  {normalize.std.begin(), normalize.std.end()});
    Tensor u8 = Tensor::empty({2, 3, 8, 8}, DType::u8);
    for (std::int64_t i = 0; i < u8.numel(); ++i) u8.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(i * 13 + 5);
    Tape tape;
    const std::vector<float> from_u8 = model.forward(u8.to(Device::cuda()), tape).to_vector();
    const std::vector<float> from_f32 =
        model.forward(data::normalize_images(u8, normalize).to(Device::cuda()), tape).to_vector();
    CHECK(from_u8 == from_f32);
  }
}

TEST_CASE("train step: the tally adds each batch's summed loss and correct count", "[cuda][train]") {
  const Tensor logits = random_tensor({5, 4}, 41).to(Device::cuda());
  const Tensor labels = Tensor::from_int32({0, 1, 2, 3, 0}, {5}).to(Device::cuda());
  NoGradGuard no_grad;
  Tape tape;
  const CrossEntropy batch = cross_entropy_and_correct(logits, labels, 0.0f, tape);
  const Tensor cpu_logits = logits.to(Device::cpu());
  const CrossEntropy want = cross_entropy_and_correct(cpu_logits, labels.to(Device::cpu()), 0.0f, tape);
  LossTally tally(Device::cuda());
  tally.add(batch, 5);
  tally.add(batch, 5);
  const LossTally::Sums sums = tally.read();
  CHECK(sums.loss_sum == Approx(10.0 * want.loss.item()).epsilon(1e-6));
  CHECK(sums.correct == 2 * want.correct.to_vector()[0]);
  tally.reset();
  CHECK(tally.read().loss_sum == 0.0);
  CHECK(tally.read().correct == 0);
}

TEST_CASE("train step: a bad label stops at the next read, with the cpu backend's sentence", "[cuda][train]") {
  const Tensor logits = random_tensor({3, 4}, 42).to(Device::cuda());
  const Tensor labels = Tensor::from_int32({0, 4, 1}, {3}).to(Device::cuda());
  Tape tape;
  LossTally tally(Device::cuda());
  tally.add(cross_entropy_and_correct(logits, labels, 0.0f, tape), 3);
  CHECK_THROWS_WITH(tally.read(), Catch::StartsWith("cross_entropy: label 4 of sample 1 is outside the 4 classes."));
  CHECK(std::isnan(tally.read().loss_sum));  // raised once; the tally holds the NaN loss
  CHECK_THROWS_WITH(cross_entropy(logits.to(Device::cpu()), labels.to(Device::cpu()), 0.0f, tape),
                    Catch::StartsWith("cross_entropy: label 4 of sample 1 is outside the 4 classes."));
}

TEST_CASE("train step: clipping inside step() gives the bits of clip_grad_norm before it", "[cuda][train]") {
  enum class Clip { none, inside_step, before_step };
  const auto final_weights = [](Clip clip) {
    TinyRun run(DType::f32, clip == Clip::inside_step ? 0.05f : 0.0f);
    for (int i = 0; i < 3; ++i) {
      Tape tape;
      const Tensor loss = cross_entropy(run.model.forward(run.images, tape), run.labels, 0.1f, tape);
      run.optimizer.zero_grad();
      tape.backward(loss);
      if (clip == Clip::before_step) optim::clip_grad_norm(run.model.named_parameters(), 0.05f);
      run.optimizer.step();
    }
    return testing::values_of(run.model.named_parameters());
  };
  const std::vector<float> inside = final_weights(Clip::inside_step);
  CHECK(inside == final_weights(Clip::before_step));
  CHECK(inside != final_weights(Clip::none));  // the clipping bites
}
