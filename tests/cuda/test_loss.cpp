// CUDA cross-entropy against the CPU reference (src/kernels/cpu/loss.cpp, double) at odd sizes,
// with and without label smoothing. Tolerances: loss relative 1e-5 (float32 sums), dlogits
// normwise 1e-5 float32 / 1e-2 bf16; the correct count is exact (ties: the first maximum).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "kernel_check.h"
#include "kernels/cpu/loss.h"
#include "kernels/cuda/loss.h"

using namespace vit::cuda::testing;
using vit::bfloat16;
using vit::cuda::DeviceBuffer;

TEMPLATE_TEST_CASE("cuda cross entropy: loss and accuracy count", "[cuda][loss]", float, bfloat16) {
  const std::int64_t rows = 37, classes = 1003;
  for (const float smoothing : {0.0f, 0.1f}) {
    auto logits = random_normal(rows * classes, 31, 3.0f);
    const auto labels = random_labels(rows, 32, static_cast<int>(classes));
    for (std::int64_t r = 0; r < rows; r += 3) logits[r * classes + labels[r]] = 20.0f;  // some rows right
    logits[classes + 5] = logits[classes + 9] = 30.0f;  // a tie in row 1: index 5 counts
    // Ties across warps (threads 70 and 100 of 256), and within one thread (indices 5 and 261).
    logits[2 * classes + 100] = logits[2 * classes + 70] = 30.0f;
    logits[4 * classes + 261] = logits[4 * classes + 5] = 30.0f;
    if (!std::is_same_v<TestType, float>) logits = round_bf16(logits);
    auto d_logits = upload_as<TestType>(logits);
    DeviceBuffer<std::int32_t> d_labels(labels);
    auto loss = poisoned<float>(1);
    auto correct = poisoned<std::int32_t>(1);
    vit::cuda::cross_entropy_forward(d_logits.get(), d_labels.get(), rows, classes, smoothing, loss.get(),
                                     correct.get(), vit::cuda::device_fault_record(), nullptr);
    const float want = vit::cpu::cross_entropy_forward(logits.data(), labels.data(), rows, classes, smoothing);
    CHECK(loss.download()[0] == Approx(want).epsilon(1e-5));
    std::int32_t want_correct = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* row = logits.data() + r * classes;
      want_correct += std::max_element(row, row + classes) - row == labels[r];
    }
    CHECK(correct.download()[0] == want_correct);
  }
}

TEMPLATE_TEST_CASE("cuda cross entropy: backward", "[cuda][loss]", float, bfloat16) {
  const std::int64_t rows = 29, classes = 37;
  const float smoothing = 0.1f, dloss = 0.75f;
  const DeviceBuffer<float> d_dloss(std::vector<float>{dloss});
  auto logits = random_normal(rows * classes, 33, 2.0f);
  if (!std::is_same_v<TestType, float>) logits = round_bf16(logits);
  const auto labels = random_labels(rows, 34, static_cast<int>(classes));
  auto d_logits = upload_as<TestType>(logits);
  DeviceBuffer<std::int32_t> d_labels(labels);
  auto dlogits = poisoned<TestType>(rows * classes);
  vit::cuda::cross_entropy_backward(d_logits.get(), d_labels.get(), d_dloss.get(), dlogits.get(), rows, classes,
                                    smoothing, nullptr);
  std::vector<float> want(rows * classes);
  vit::cpu::cross_entropy_backward(logits.data(), labels.data(), dloss, want.data(), rows, classes, smoothing);
  CHECK(normwise_error(download_f32(dlogits), want) <= (std::is_same_v<TestType, float> ? 1e-5 : 1e-2));
}

TEST_CASE("cuda cross entropy: -inf logits have zero probability, a NaN logit makes the loss NaN", "[cuda][loss]") {
  const std::int64_t rows = 3, classes = 300;
  auto logits = random_normal(rows * classes, 35, 2.0f);
  const auto labels = random_labels(rows, 36, static_cast<int>(classes));
  for (const std::int64_t c : {0, 1, 256, 299}) {  // first values of threads 0 and 1, and thread 0's second
    if (c != labels[0]) logits[c] = -INFINITY;
  }
  DeviceBuffer<std::int32_t> d_labels(labels);
  auto d_logits = upload_as<float>(logits);
  auto dlogits = poisoned<float>(rows * classes);  // the backward: the forward's smoothing term is inf * 0 there
  const DeviceBuffer<float> one(std::vector<float>{1.0f});
  vit::cuda::cross_entropy_backward(d_logits.get(), d_labels.get(), one.get(), dlogits.get(), rows, classes, 0.0f,
                                    nullptr);
  std::vector<float> want(rows * classes);
  vit::cpu::cross_entropy_backward(logits.data(), labels.data(), 1.0f, want.data(), rows, classes, 0.0f);
  CHECK(normwise_error(dlogits.download(), want) <= 1e-5);

  auto loss = poisoned<float>(1);
  logits[2 * classes + 7] = NAN;
  auto d_nan = upload_as<float>(logits);
  vit::cuda::cross_entropy_forward(d_nan.get(), d_labels.get(), rows, classes, 0.0f, loss.get(), nullptr,
                                   vit::cuda::device_fault_record(), nullptr);
  CHECK(std::isnan(loss.download()[0]));
}

TEST_CASE("cuda cross entropy: a label outside the classes is a device fault, raised at the next read",
          "[cuda][loss]") {
  const std::int64_t rows = 5, classes = 7;
  DeviceBuffer<std::int32_t> labels(std::vector<std::int32_t>{0, 6, 7, -1, 3});
  const auto logits = upload_as<float>(random_normal(rows * classes, 37));
  auto loss = poisoned<float>(1);
  vit::cuda::cross_entropy_forward(logits.get(), labels.get(), rows, classes, 0.1f, loss.get(), nullptr,
                                   vit::cuda::device_fault_record(), nullptr);
  // Rows run in any order: either bad label may be the one reported.
  CHECK_THROWS_WITH(loss.download(), Catch::Matches("cross_entropy: label (7 of sample 2|-1 of sample 3) is outside "
                                                    "the 7 classes\\..*"));
  CHECK(std::isnan(loss.download()[0]));  // raised once; the loss of a bad batch is NaN
}

TEMPLATE_TEST_CASE("cuda prediction counts: top-1, top-5 and confusion as the cpu counts them", "[cuda][loss]", float,
                   bfloat16) {
  const std::int64_t rows = 45, classes = 301;
  auto logits = random_normal(rows * classes, 38, 2.0f);
  const auto labels = random_labels(rows, 39, static_cast<int>(classes));
  for (std::int64_t r = 0; r < rows; r += 4) logits[r * classes + labels[r]] = 9.0f;  // some right
  for (std::int64_t r = 1; r < rows; r += 4) {  // some ties with the label, some just above it
    logits[r * classes + (labels[r] + 7) % classes] = logits[r * classes + labels[r]];
    logits[r * classes + (labels[r] + 3) % classes] = logits[r * classes + labels[r]] + 0.5f;
  }
  logits[2 * classes + 17] = NAN;
  if (!std::is_same_v<TestType, float>) logits = round_bf16(logits);
  const auto d_logits = upload_as<TestType>(logits);
  DeviceBuffer<std::int32_t> d_labels(labels);
  DeviceBuffer<std::int32_t> counts(std::vector<std::int32_t>(2 + classes * classes, 0));
  vit::cuda::count_predictions(d_logits.get(), d_labels.get(), rows, classes, counts.get(), nullptr);
  vit::cuda::count_predictions(d_logits.get(), d_labels.get(), rows, classes, counts.get(), nullptr);  // adds
  std::vector<std::int32_t> want(2 + classes * classes, 0);
  vit::cpu::count_predictions(logits.data(), labels.data(), rows, classes, want.data());
  vit::cpu::count_predictions(logits.data(), labels.data(), rows, classes, want.data());
  CHECK(counts.download() == want);
  CHECK(want[0] > 0);
  CHECK(want[1] > want[0]);
}
