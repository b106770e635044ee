#pragma once
// Helpers of the CUDA kernel tests: random inputs (seeded by Catch2's --rng-seed plus a per-test
// salt, so `--rng-seed time` draws fresh ones), bf16 round trips, outputs poisoned with NaN bytes
// so an unwritten element fails, and the normwise error max|got - want| / max|want| (infinite
// when got holds a NaN).
#include <cstdint>
#include <vector>

#include "runtime/cuda/memory.h"
#include "vitcuda/runtime/dtype.h"

namespace vit::cuda::testing {

std::vector<float> random_normal(std::size_t n, std::uint64_t salt, float stddev = 1.0f);
std::vector<float> random_uniform(std::size_t n, std::uint64_t salt, float low, float high);
std::vector<std::int32_t> random_labels(std::size_t n, std::uint64_t salt, int classes);

std::vector<bfloat16> to_bf16(const std::vector<float>& values);
std::vector<float> to_f32(const std::vector<bfloat16>& values);
std::vector<float> round_bf16(const std::vector<float>& values);  // through bf16 and back

double normwise_error(const std::vector<float>& got, const std::vector<float>& want);

template <typename T>
DeviceBuffer<T> poisoned(std::size_t count) {
  DeviceBuffer<T> buffer(count);
  buffer.fill_bytes(0xff);  // NaN as float32 and as bf16
  return buffer;
}

// Device copy of float values as T (bf16 rounds), and the device values back as float.
template <typename T>
DeviceBuffer<T> upload_as(const std::vector<float>& values);
template <typename T>
std::vector<float> download_f32(const DeviceBuffer<T>& buffer);

}  // namespace vit::cuda::testing
