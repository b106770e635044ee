// CUDA reductions. The mean runs in one block: each thread sums a strided slice (in double, like the
// CPU twin), then one block reduction; one read per element, and the loss-sized inputs it sees in
// a ViT step make a single block enough. The backward and the scaling are grid-stride loops.
#include "kernels/cuda/reduce.h"

#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

constexpr int kBlock = 256;

__global__ void mean_forward_kernel(const float* __restrict__ x, float* __restrict__ out, std::int64_t n) {
  VIT_SHARED(float, scratch, [32]);
  double partial = 0.0;
  for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) partial += x[i];
  const float total = block_sum(static_cast<float>(partial), scratch);
  if (threadIdx.x == 0) *out = total / static_cast<float>(n);
}

__global__ void mean_backward_kernel(const float* __restrict__ dout, float* __restrict__ dx, std::int64_t n) {
  const float value = *dout / static_cast<float>(n);
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    dx[i] = value;
  }
}

__global__ void scale_kernel(float* __restrict__ x, std::int64_t n, const float* __restrict__ factor) {
  const float f = *factor;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    x[i] *= f;
  }
}

}  // namespace

void mean_forward(const float* x, float* out, std::int64_t n, cudaStream_t stream) {
  VIT_CHECK(n > 0, "mean_forward: no elements.");
  launch(mean_forward_kernel, 1, kBlock, 0, stream, x, out, n);
}

void mean_backward(const float* dout, float* dx, std::int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  launch_grid_stride(mean_backward_kernel, n, stream, dout, dx, n);
}

void scale_in_place(float* x, std::int64_t n, const float* factor, cudaStream_t stream) {
  if (n == 0) return;
  launch_grid_stride(scale_kernel, n, stream, x, n, factor);
}

}  // namespace vit::cuda
