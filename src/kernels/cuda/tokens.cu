// CUDA class token + position embedding: the forward writes each output element once, reading
// the token (or class token) and the position embedding (which stays in L2 across the batch).
// The backward copies dtokens (one read, one write) and sums dout over the batch for dpos with
// the column-sum kernel (column_sum.cuh); dcls is dpos's first row (a device copy).
// The unfused concat and select are grid-stride copies; the class-token gradient sums over the
// batch with one thread per feature (a short loop, deterministic).
// The token mean (global average pooling) runs one thread per (sequence, feature): consecutive
// threads read consecutive features of a token (coalesced), each loops over the N - first tokens
// with a float32 sum, so x is read once and out written once, deterministically; its backward is a
// grid-stride broadcast that writes every element of dx once and reads dout (B x D, cached).
#include "kernels/cuda/tokens.h"

#include "kernels/cuda/column_sum.cuh"
#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

namespace {

template <typename T>
__global__ void class_pos_forward_kernel(const T* __restrict__ tokens, const float* __restrict__ cls,
                                         const float* __restrict__ pos, T* __restrict__ out, std::int64_t n,
                                         std::int64_t dim, std::int64_t total) {
  const std::int64_t sequence = (n + 1) * dim;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t b = i / sequence, s = i - b * sequence;  // s = token * dim + d
    const float value = s < dim ? cls[s] : to_float(tokens[b * n * dim + s - dim]);
    out[i] = from_float<T>(value + pos[s]);
  }
}

template <typename T>
__global__ void dtokens_kernel(const T* __restrict__ dout, T* __restrict__ dtokens, std::int64_t n, std::int64_t dim,
                               std::int64_t total) {
  const std::int64_t sequence = n * dim;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t b = i / sequence;
    dtokens[i] = dout[i + (b + 1) * dim];
  }
}

template <typename T>
__global__ void concat_forward_kernel(const T* __restrict__ cls, const T* __restrict__ tokens, T* __restrict__ out,
                                      std::int64_t n, std::int64_t dim, std::int64_t total) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t b = i / ((n + 1) * dim), s = i % ((n + 1) * dim);
    out[i] = s < dim ? cls[s] : tokens[b * n * dim + s - dim];
  }
}

// One thread per feature: the batch is short, a loop over it keeps the sum deterministic.
template <typename T>
__global__ void class_token_grad_kernel(const T* __restrict__ dout, T* __restrict__ dcls, std::int64_t batch,
                                        std::int64_t n, std::int64_t dim) {
  const std::int64_t d = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (d >= dim) return;
  float sum = 0.0f;
  for (std::int64_t b = 0; b < batch; ++b) sum += to_float(dout[b * (n + 1) * dim + d]);
  dcls[d] = from_float<T>(sum);
}

template <typename T>
__global__ void select_forward_kernel(const T* __restrict__ x, T* __restrict__ out, std::int64_t n, std::int64_t dim,
                                      std::int64_t index, std::int64_t total) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t b = i / dim, d = i % dim;
    out[i] = x[(b * n + index) * dim + d];
  }
}

template <typename T>
__global__ void select_backward_kernel(const T* __restrict__ dout, T* __restrict__ dx, std::int64_t n,
                                       std::int64_t dim, std::int64_t index, std::int64_t total) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t b = i / (n * dim), t = i / dim % n, d = i % dim;
    dx[i] = t == index ? dout[b * dim + d] : from_float<T>(0.0f);
  }
}

template <typename T>
__global__ void mean_tokens_forward_kernel(const T* __restrict__ x, T* __restrict__ out, std::int64_t n,
                                           std::int64_t dim, std::int64_t first, std::int64_t total) {
  const float count = static_cast<float>(n - first);
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t b = i / dim, d = i % dim;
    const T* column = x + b * n * dim + d;
    float sum = 0.0f;
    for (std::int64_t t = first; t < n; ++t) sum += to_float(column[t * dim]);
    out[i] = from_float<T>(sum / count);
  }
}

template <typename T>
__global__ void mean_tokens_backward_kernel(const T* __restrict__ dout, T* __restrict__ dx, std::int64_t n,
                                            std::int64_t dim, std::int64_t first, std::int64_t total) {
  const float count = static_cast<float>(n - first);
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t b = i / (n * dim), t = i / dim % n, d = i % dim;
    dx[i] = from_float<T>(t >= first ? to_float(dout[b * dim + d]) / count : 0.0f);
  }
}

}  // namespace

template <typename T>
void mean_tokens_forward(const T* x, T* out, std::int64_t batch, std::int64_t n, std::int64_t dim,
                         std::int64_t first, cudaStream_t stream) {
  const std::int64_t total = batch * dim;
  if (total == 0) return;
  launch_grid_stride(mean_tokens_forward_kernel<typename DeviceTypeOf<T>::type>, total, stream,
                     device_ptr(x), device_ptr(out), n, dim, first, total);
}

template <typename T>
void mean_tokens_backward(const T* dout, T* dx, std::int64_t batch, std::int64_t n, std::int64_t dim,
                          std::int64_t first, cudaStream_t stream) {
  const std::int64_t total = batch * n * dim;
  if (total == 0) return;
  launch_grid_stride(mean_tokens_backward_kernel<typename DeviceTypeOf<T>::type>, total, stream,
                     device_ptr(dout), device_ptr(dx), n, dim, first, total);
}

template <typename T>
void concat_class_token_forward(const T* cls, const T* tokens, T* out, std::int64_t batch, std::int64_t n,
                                std::int64_t dim, cudaStream_t stream) {
  const std::int64_t total = batch * (n + 1) * dim;
  if (total == 0) return;
  launch_grid_stride(concat_forward_kernel<typename DeviceTypeOf<T>::type>, total, stream,
                     device_ptr(cls), device_ptr(tokens), device_ptr(out), n, dim, total);
}

template <typename T>
void concat_class_token_backward(const T* dout, T* dcls, T* dtokens, std::int64_t batch, std::int64_t n,
                                 std::int64_t dim, cudaStream_t stream) {
  if (dtokens != nullptr && batch * n * dim > 0) {
    const std::int64_t total = batch * n * dim;
    launch_grid_stride(dtokens_kernel<typename DeviceTypeOf<T>::type>, total, stream,
                       device_ptr(dout), device_ptr(dtokens), n, dim, total);
  }
  if (dcls != nullptr && dim > 0) {
    launch_grid_stride(class_token_grad_kernel<typename DeviceTypeOf<T>::type>, dim, stream,
                       device_ptr(dout), device_ptr(dcls), batch, n, dim);
  }
}

template <typename T>
void select_token_forward(const T* x, T* out, std::int64_t batch, std::int64_t n, std::int64_t dim,
                          std::int64_t index, cudaStream_t stream) {
  const std::int64_t total = batch * dim;
  if (total == 0) return;
  launch_grid_stride(select_forward_kernel<typename DeviceTypeOf<T>::type>, total, stream,
                     device_ptr(x), device_ptr(out), n, dim, index, total);
}

template <typename T>
void select_token_backward(const T* dout, T* dx, std::int64_t batch, std::int64_t n, std::int64_t dim,
                           std::int64_t index, cudaStream_t stream) {
  const std::int64_t total = batch * n * dim;
  if (total == 0) return;
  launch_grid_stride(select_backward_kernel<typename DeviceTypeOf<T>::type>, total, stream,
                     device_ptr(dout), device_ptr(dx), n, dim, index, total);
}

template <typename T>
void class_pos_embed_forward(const T* tokens, const float* cls, const float* pos, T* out, std::int64_t batch,
                             std::int64_t n, std::int64_t dim, cudaStream_t stream) {
  const std::int64_t total = batch * (n + 1) * dim;
  if (total == 0) return;
  launch_grid_stride(class_pos_forward_kernel<typename DeviceTypeOf<T>::type>, total, stream,
                     device_ptr(tokens), cls, pos, device_ptr(out), n, dim, total);
}

template <typename T>
void class_pos_embed_backward(const T* dout, T* dtokens, float* dcls, float* dpos, std::int64_t batch,
                              std::int64_t n, std::int64_t dim, cudaStream_t stream) {
  VIT_CHECK(dcls == nullptr || dpos != nullptr, "class_pos_embed_backward: dcls is computed from dpos.");
  if (dtokens != nullptr && batch * n * dim > 0) {
    const std::int64_t total = batch * n * dim;
    launch_grid_stride(dtokens_kernel<typename DeviceTypeOf<T>::type>, total, stream,
                       device_ptr(dout), device_ptr(dtokens), n, dim, total);
  }
  if (dpos != nullptr) {
    const std::int64_t sequence = (n + 1) * dim;
    column_sums(dout, batch, sequence, dpos, stream);
  }
  if (dcls != nullptr) {
    CUDA_CHECK(cudaMemcpyAsync(dcls, dpos, dim * sizeof(float), cudaMemcpyDeviceToDevice, stream));
  }
}

#define VIT_INSTANTIATE(T)                                                                                        \
  template void class_pos_embed_forward<T>(const T*, const float*, const float*, T*, std::int64_t, std::int64_t,  \
                                           std::int64_t, cudaStream_t);                                           \
  template void class_pos_embed_backward<T>(const T*, T*, float*, float*, std::int64_t, std::int64_t, std::int64_t, \
                                            cudaStream_t);                                                  \
  template void concat_class_token_forward<T>(const T*, const T*, T*, std::int64_t, std::int64_t, std::int64_t,    \
                                              cudaStream_t);                                                       \
  template void concat_class_token_backward<T>(const T*, T*, T*, std::int64_t, std::int64_t, std::int64_t,         \
                                               cudaStream_t);                                                      \
  template void select_token_forward<T>(const T*, T*, std::int64_t, std::int64_t, std::int64_t, std::int64_t,      \
                                        cudaStream_t);                                                             \
  template void select_token_backward<T>(const T*, T*, std::int64_t, std::int64_t, std::int64_t, std::int64_t,     \
                                         cudaStream_t);                                                            \
  template void mean_tokens_forward<T>(const T*, T*, std::int64_t, std::int64_t, std::int64_t, std::int64_t,       \
                                       cudaStream_t);                                                              \
  template void mean_tokens_backward<T>(const T*, T*, std::int64_t, std::int64_t, std::int64_t, std::int64_t,      \
                                        cudaStream_t);
VIT_INSTANTIATE(float)
VIT_INSTANTIATE(bfloat16)
#undef VIT_INSTANTIATE

}  // namespace vit::cuda
