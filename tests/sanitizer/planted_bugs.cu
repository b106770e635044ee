// Kernels with one planted bug each, for the interpreter's sanitizer (docs/cuda.md, "What the
// interpreter checks"): `vit_planted_bugs NAME` runs one and prints what it computed, and the CTest
// tests of this folder (label "sanitizer") expect its check to report it:
//   shared_race      racecheck  threads of different warps: a write and a read with no barrier
//   warp_race        racecheck  lanes of one warp: a write and a read with no __syncwarp
//   global_overflow  memcheck   a write one element past the end of a device allocation
//   shared_overflow  memcheck   a write one element past the end of a __shared__ array
//   shared_uninit    initcheck  a read of shared memory no thread wrote
//   global_uninit    initcheck  a read of a device allocation no one wrote
//   fixed            none       the same kernels with the bugs fixed: no check may report them
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/cuda/launch.cuh"
#include "runtime/cuda/memory.h"

namespace {

using vit::cuda::DeviceBuffer;
using vit::cuda::launch;

constexpr unsigned kFull = 0xffffffffu;

// out[0] = sum of 64 values each thread writes to shared memory; `barrier` orders the writes
// before thread 0's reads (threads 32..63 are another warp).
__global__ void shared_sum(float* out, bool barrier) {
  VIT_SHARED(float, values, [64]);
  values[threadIdx.x] = static_cast<float>(threadIdx.x);
  if (barrier) __syncthreads();
  if (threadIdx.x == 0) {
    float sum = 0.0f;
    for (int i = 0; i < 64; ++i) sum += values[i];
    out[0] = sum;
  }
}

// Lane 0 reads what lane 1 wrote; `sync` is the __syncwarp that orders them.
__global__ void warp_exchange(float* out, bool sync) {
  VIT_SHARED(float, values, [32]);
  values[threadIdx.x] = static_cast<float>(threadIdx.x) + 0.5f;
  if (sync) __syncwarp(kFull);
  if (threadIdx.x == 0) out[0] = values[1];
}

// Each thread writes out[i] for i < n + extra.
__global__ void fill(float* out, int n, int extra) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n + extra) out[i] = 1.0f;
}

// Thread t writes tile[t + offset] for a 32-element tile, then thread 0 sums the tile. The write
// goes through a pointer, as in most kernels (UBSan would catch an index into the array itself).
__global__ void shared_tile(float* out, int offset) {
  VIT_SHARED(float, tile, [32]);
  float* element = &tile[0] + threadIdx.x;
  element[offset] = 1.0f;
  __syncthreads();
  if (threadIdx.x == 0) {
    float sum = 0.0f;
    for (int i = 0; i < 32; ++i) sum += tile[i];
    out[0] = sum;
  }
}

// Threads write tile[0 .. written), thread 0 sums all 32.
__global__ void partial_tile(float* out, int written) {
  VIT_SHARED(float, tile, [32]);
  if (static_cast<int>(threadIdx.x) < written) tile[threadIdx.x] = 1.0f;
  __syncthreads();
  if (threadIdx.x == 0) {
    float sum = 0.0f;
    for (int i = 0; i < 32; ++i) sum += tile[i];
    out[0] = sum;
  }
}

// out[0] = sum of x[0..n).
__global__ void sum(const float* x, int n, float* out) {
  float total = 0.0f;
  for (int i = 0; i < n; ++i) total += x[i];
  out[0] = total;
}

float run_shared_sum(bool barrier) {
  DeviceBuffer<float> out(1);
  launch(shared_sum, 1, 64, 0, nullptr, out.get(), barrier);
  return out.download()[0];
}

float run_warp_exchange(bool sync) {
  DeviceBuffer<float> out(1);
  launch(warp_exchange, 1, 32, 0, nullptr, out.get(), sync);
  return out.download()[0];
}

float run_fill(int extra) {
  const int n = 1000;  // not a multiple of the 256-byte device granule
  DeviceBuffer<float> out(n), total(1);
  launch(fill, (n + 127) / 128, 128, 0, nullptr, out.get(), n, extra);
  launch(sum, 1, 1, 0, nullptr, out.get(), n, total.get());
  return total.download()[0];
}

float run_shared_tile(int offset) {
  DeviceBuffer<float> out(1);
  launch(shared_tile, 1, 32, 0, nullptr, out.get(), offset);
  return out.download()[0];
}

float run_partial_tile(int written) {
  DeviceBuffer<float> out(1);
  launch(partial_tile, 1, 32, 0, nullptr, out.get(), written);
  return out.download()[0];
}

float run_global_read(bool written) {
  const int n = 100;
  DeviceBuffer<float> x(n), out(1);
  if (written) launch(fill, 1, 128, 0, nullptr, x.get(), n, 0);
  launch(sum, 1, 1, 0, nullptr, x.get(), n, out.get());
  return out.download()[0];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string name = argc == 2 ? argv[1] : "";
  float result = 0.0f;
  if (name == "shared_race") {
    result = run_shared_sum(false);
  } else if (name == "warp_race") {
    result = run_warp_exchange(false);
  } else if (name == "global_overflow") {
    result = run_fill(1);
  } else if (name == "shared_overflow") {
    result = run_shared_tile(1);
  } else if (name == "shared_uninit") {
    result = run_partial_tile(31);
  } else if (name == "global_uninit") {
    result = run_global_read(false);
  } else if (name == "fixed") {
    const bool right = run_shared_sum(true) == 2016.0f && run_warp_exchange(true) == 1.5f && run_fill(0) == 1000.0f &&
                       run_shared_tile(0) == 32.0f && run_partial_tile(32) == 32.0f && run_global_read(true) == 100.0f;
    std::printf("fixed kernels: %s\n", right ? "right results" : "WRONG results");
    return right ? 0 : 1;
  } else {
    std::fprintf(stderr,
                 "usage: vit_planted_bugs shared_race|warp_race|global_overflow|shared_overflow|"
                 "shared_uninit|global_uninit|fixed\n");
    return 2;
  }
  std::printf("%s: result %s\n", name.c_str(), std::isnan(result) ? "NaN (poison)" : std::to_string(result).c_str());
  return 0;
}
