// The CUDA runtime helpers: checked calls and launches report the caller's file, device buffers
// round-trip and refuse mismatched uploads, streams synchronise, the device is described.
#include <catch2/catch.hpp>

#include <vector>

#include "runtime/cuda/device.h"
#include "runtime/cuda/memory.h"
#include "runtime/cuda/stream.h"
#include "simt_kernels.h"
#include "vitcuda/runtime/check.h"

using vit::cuda::DeviceBuffer;

TEST_CASE("cuda runtime: a failed launch names the launching line", "[cuda][runtime]") {
  DeviceBuffer<float> out(4);
  vit::cuda::Stream stream;
  CHECK_THROWS_WITH(vit::cuda::testing::launch_oversized_block(out.get(), stream.get()),
                    Catch::Contains("simt_kernels.cu"));
}

TEST_CASE("cuda runtime: a failed runtime call throws with the call", "[cuda][runtime]") {
  const float value = 1.0f;
  CHECK_THROWS_WITH(vit::cuda::copy_to_device(nullptr, &value, sizeof value),
                    Catch::Contains("CUDA error") && Catch::Contains("cudaMemcpy"));
}

TEST_CASE("cuda runtime: device buffers round trip and refuse a wrong upload size", "[cuda][runtime]") {
  const std::vector<int> values{1, -2, 3, 40000, 5};
  DeviceBuffer<int> buffer(values);
  vit::cuda::Stream stream;
  stream.synchronize();
  CHECK(buffer.download() == values);
  CHECK(buffer.size() == values.size());
  CHECK_THROWS_AS(buffer.upload({1, 2}), vit::Error);
  DeviceBuffer<int> moved = std::move(buffer);
  CHECK(moved.download() == values);
  CHECK(buffer.get() == nullptr);
}

TEST_CASE("cuda runtime: the device is described", "[cuda][runtime]") {
  REQUIRE(vit::cuda::device_available());
  const vit::cuda::DeviceInfo info = vit::cuda::device_info();
  CHECK_FALSE(info.name.empty());
#if VIT_CUDA_SIM
  CHECK(info.interpreter);
#else
  CHECK(info.peak_bytes_per_second > 0);
  CHECK(info.peak_f32_flops > 0);
#endif
}
