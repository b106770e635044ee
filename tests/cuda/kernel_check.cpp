// Helpers of the CUDA kernel tests (kernel_check.h).
#include "kernel_check.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace vit::cuda::testing {

namespace {
std::mt19937_64 engine_for(std::uint64_t salt) { return std::mt19937_64(Catch::rngSeed() * 1000003ull + salt); }
}  // namespace

std::vector<float> random_normal(std::size_t n, std::uint64_t salt, float stddev) {
  auto engine = engine_for(salt);
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> values(n);
  for (float& v : values) v = normal(engine);
  return values;
}

std::vector<float> random_uniform(std::size_t n, std::uint64_t salt, float low, float high) {
  auto engine = engine_for(salt);
  std::uniform_real_distribution<float> uniform(low, high);
  std::vector<float> values(n);
  for (float& v : values) v = uniform(engine);
  return values;
}

std::vector<std::int32_t> random_labels(std::size_t n, std::uint64_t salt, int classes) {
  auto engine = engine_for(salt);
  std::uniform_int_distribution<std::int32_t> uniform(0, classes - 1);
  std::vector<std::int32_t> values(n);
  for (auto& v : values) v = uniform(engine);
  return values;
}

std::vector<bfloat16> to_bf16(const std::vector<float>& values) {
  std::vector<bfloat16> out(values.size());
  std::transform(values.begin(), values.end(), out.begin(), bfloat16::from_float);
  return out;
}

std::vector<float> to_f32(const std::vector<bfloat16>& values) {
  std::vector<float> out(values.size());
  std::transform(values.begin(), values.end(), out.begin(), [](bfloat16 v) { return v.to_float(); });
  return out;
}

std::vector<float> round_bf16(const std::vector<float>& values) { return to_f32(to_bf16(values)); }

double normwise_error(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  double worst = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!std::isfinite(got[i]) && std::isfinite(want[i])) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, std::abs(static_cast<double>(got[i]) - want[i]));
    scale = std::max(scale, std::abs(static_cast<double>(want[i])));
  }
  return scale == 0.0 ? worst : worst / scale;
}

template <>
DeviceBuffer<float> upload_as<float>(const std::vector<float>& values) {
  return DeviceBuffer<float>(values);
}
template <>
DeviceBuffer<bfloat16> upload_as<bfloat16>(const std::vector<float>& values) {
  return DeviceBuffer<bfloat16>(to_bf16(values));
}
template <>
std::vector<float> download_f32<float>(const DeviceBuffer<float>& buffer) {
  return buffer.download();
}
template <>
std::vector<float> download_f32<bfloat16>(const DeviceBuffer<bfloat16>& buffer) {
  return to_f32(buffer.download());
}

}  // namespace vit::cuda::testing
