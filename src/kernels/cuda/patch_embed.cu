// CUDA patch im2col: one thread per element of the column matrix, in its order, so the writes are
// coalesced and the reads run along image rows P pixels at a time; each pixel is read once and
// written once (uint8 in: 1 byte read per 2-4 bytes written). The backward is the same map with
// the roles swapped.
#include "kernels/cuda/patch_embed.h"

#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

__device__ __forceinline__ float pixel_value(float v) { return v; }
__device__ __forceinline__ float pixel_value(std::uint8_t v) { return static_cast<float>(v); }

// Offset in the images of column-matrix element `index`, and its channel.
struct PixelOf {
  std::int64_t offset;
  std::int64_t channel;
};
__device__ __forceinline__ PixelOf pixel_of(std::int64_t index, const PatchGeometry& g) {
  const std::int64_t p = g.patch, features = g.channels * p * p, grid_w = g.width / p;
  const std::int64_t patches = (g.height / p) * grid_w;
  const std::int64_t row = index / features, f = index - row * features;
  const std::int64_t b = row / patches, patch = row - b * patches;
  const std::int64_t py = patch / grid_w, px = patch - py * grid_w;
  const std::int64_t c = f / (p * p), i = (f / p) % p, j = f % p;
  return {((b * g.channels + c) * g.height + py * p + i) * g.width + px * p + j, c};
}

template <typename In, typename Out>
__global__ void im2col_forward_kernel(const In* __restrict__ images, Out* __restrict__ cols, PatchGeometry g,
                                      const float* __restrict__ scale, const float* __restrict__ shift,
                                      std::int64_t n) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const PixelOf pixel = pixel_of(i, g);
    float v = pixel_value(images[pixel.offset]);
    // Rounded apart (no FMA): the bits of the loader's host normalisation.
    if (scale != nullptr) v = __fadd_rn(__fmul_rn(v, scale[pixel.channel]), shift[pixel.channel]);
    cols[i] = from_float<Out>(v);
  }
}

template <typename T>
__global__ void im2col_backward_kernel(const T* __restrict__ dcols, float* __restrict__ dimages, PatchGeometry g,
                                       std::int64_t n) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    dimages[pixel_of(i, g).offset] = to_float(dcols[i]);
  }
}

void check_geometry(const PatchGeometry& g) {
  VIT_CHECK(g.patch > 0 && g.height % g.patch == 0 && g.width % g.patch == 0, "patch_im2col: images ", g.height,
            "x", g.width, " are not a whole number of ", g.patch, "-pixel patches.");
}

}  // namespace

template <typename In, typename Out>
void patch_im2col_forward(const In* images, Out* cols, const PatchGeometry& g, const float* scale,
                          const float* shift, cudaStream_t stream) {
  check_geometry(g);
  VIT_CHECK((scale == nullptr) == (shift == nullptr), "patch_im2col: give both scale and shift, or neither.");
  const std::int64_t n = g.batch * g.patches() * g.patch_features();
  if (n == 0) return;
  launch_grid_stride(im2col_forward_kernel<In, typename DeviceTypeOf<Out>::type>, n, stream, images,
                     device_ptr(cols), g, scale, shift, n);
}

template <typename T>
void patch_im2col_backward(const T* dcols, float* dimages, const PatchGeometry& g, cudaStream_t stream) {
  check_geometry(g);
  const std::int64_t n = g.batch * g.patches() * g.patch_features();
  if (n == 0) return;
  launch_grid_stride(im2col_backward_kernel<typename DeviceTypeOf<T>::type>, n, stream,
                     device_ptr(dcols), dimages, g, n);
}

#define VIT_INSTANTIATE_FORWARD(In, Out)                                                                      \
  template void patch_im2col_forward<In, Out>(const In*, Out*, const PatchGeometry&, const float*,       \
                                              const float*, cudaStream_t);
VIT_INSTANTIATE_FORWARD(float, float)
VIT_INSTANTIATE_FORWARD(float, bfloat16)
VIT_INSTANTIATE_FORWARD(std::uint8_t, float)
VIT_INSTANTIATE_FORWARD(std::uint8_t, bfloat16)
#undef VIT_INSTANTIATE_FORWARD
template void patch_im2col_backward<float>(const float*, float*, const PatchGeometry&, cudaStream_t);
template void patch_im2col_backward<bfloat16>(const bfloat16*, float*, const PatchGeometry&, cudaStream_t);

}  // namespace vit::cuda
