// CUDA cross-entropy: one block per row. Forward reads the row twice (max and first arg-max, then
// the sum of exponentials and of logits; a classifier row is small and stays in L1/L2), writes the
// row's loss and adds one to the correct count (an integer atomic: exact); one block then adds the
// row losses in a fixed order (mean_forward, reduce.cu), so the loss has the same bits every run.
// Backward reads the row twice (max, then the sum) and writes dlogits once, recomputing the
// softmax instead of saving it.
#include "kernels/cuda/loss.h"

#include "kernels/cuda/reduce.h"
#include "runtime/cuda/numeric.cuh"
#include "runtime/cuda/scratch.h"

namespace vit::cuda {

namespace {

constexpr int kBlock = 256;

struct RowStats {
  float max, log_sum_exp, sum;  // sum of the logits
  std::int32_t argmax;          // first index holding the maximum
};

// Every thread of the block gets the statistics of `row`.
template <typename T>
__device__ RowStats row_stats(const T* __restrict__ row, std::int64_t classes) {
  VIT_SHARED(float, scratch, [32]);
  VIT_SHARED(std::int32_t, first_max, [32]);
  float local_max = -INFINITY;
  std::int32_t local_arg = 0x7fffffff;
  for (std::int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
    const float v = to_float(row[c]);
    if (v > local_max) {
      local_max = v;
      local_arg = static_cast<std::int32_t>(c);
    }
  }
  const float row_max = block_max(local_max, scratch);
  // first index holding row_max: a minimum over the threads that hold it
  std::int32_t arg = local_max == row_max ? local_arg : 0x7fffffff;
  for (int offset = 16; offset > 0; offset /= 2) {
    const std::int32_t other = __shfl_xor_sync(kFullMask, arg, offset);
    arg = other < arg ? other : arg;
  }
  if (threadIdx.x % 32 == 0) first_max[threadIdx.x / 32] = arg;
  __syncthreads();
  arg = 0x7fffffff;
  for (unsigned w = 0; w < blockDim.x / 32; ++w) arg = first_max[w] < arg ? first_max[w] : arg;
  float exp_sum = 0.0f, logit_sum = 0.0f;
  for (std::int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
    const float v = to_float(row[c]);
    exp_sum += expf(v - row_max);
    logit_sum += v;
  }
  exp_sum = block_sum(exp_sum, scratch);
  logit_sum = block_sum(logit_sum, scratch);
  return {row_max, row_max + logf(exp_sum), logit_sum, arg};
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
    cross_entropy_forward_kernel(const T* __restrict__ logits, const std::int32_t* __restrict__ labels,
                                 std::int64_t classes, float smoothing, float* __restrict__ row_losses,
                                 std::int32_t* __restrict__ correct) {
  const std::int64_t r = blockIdx.x;
  const T* row = logits + r * classes;
  const RowStats stats = row_stats(row, classes);
  if (threadIdx.x == 0) {
    const std::int32_t label = labels[r];
    const float row_loss = (1.0f - smoothing) * (stats.log_sum_exp - to_float(row[label])) +
                           smoothing * (stats.log_sum_exp - stats.sum / classes);
    row_losses[r] = row_loss;
    if (correct != nullptr && stats.argmax == label) atomicAdd(correct, 1);
  }
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
    cross_entropy_backward_kernel(const T* __restrict__ logits, const std::int32_t* __restrict__ labels, float dloss,
                                  T* __restrict__ dlogits, std::int64_t rows, std::int64_t classes, float smoothing) {
  const std::int64_t r = blockIdx.x;
  const T* row = logits + r * classes;
  const RowStats stats = row_stats(row, classes);
  const std::int32_t label = labels[r];
  const float row_scale = dloss / rows, uniform = smoothing / classes;
  for (std::int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
    const float target = uniform + (c == label ? 1.0f - smoothing : 0.0f);
    dlogits[r * classes + c] = from_float<T>((expf(to_float(row[c]) - stats.log_sum_exp) - target) * row_scale);
  }
}

}  // namespace

template <typename T>
void cross_entropy_forward(const T* logits, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                           float smoothing, float* loss, std::int32_t* correct, cudaStream_t stream) {
  VIT_CHECK(rows >= 1 && rows <= 0x7fffffff && classes >= 1, "cross_entropy: bad shape [", rows, ", ", classes, "].");
  if (correct != nullptr) CUDA_CHECK(cudaMemsetAsync(correct, 0, sizeof(std::int32_t), stream));
  const Scratch<float> row_losses(static_cast<std::size_t>(rows));
  launch(cross_entropy_forward_kernel<typename DeviceTypeOf<T>::type>, static_cast<unsigned>(rows), kBlock, 0,
         stream, device_ptr(logits), labels, classes, smoothing, row_losses.get(), correct);
  mean_forward(row_losses.get(), loss, rows, stream);
}

template <typename T>
void cross_entropy_backward(const T* logits, const std::int32_t* labels, float dloss, T* dlogits, std::int64_t rows,
                            std::int64_t classes, float smoothing, cudaStream_t stream) {
  VIT_CHECK(rows >= 1 && rows <= 0x7fffffff && classes >= 1, "cross_entropy: bad shape [", rows, ", ", classes, "].");
  launch(cross_entropy_backward_kernel<typename DeviceTypeOf<T>::type>, static_cast<unsigned>(rows), kBlock, 0,
         stream, device_ptr(logits), labels, dloss, device_ptr(dlogits), rows, classes, smoothing);
}

#define VIT_INSTANTIATE(T)                                                                                        \
  template void cross_entropy_forward<T>(const T*, const std::int32_t*, std::int64_t, std::int64_t, float, float*, \
                                         std::int32_t*, cudaStream_t);                                             \
  template void cross_entropy_backward<T>(const T*, const std::int32_t*, float, T*, std::int64_t, std::int64_t,    \
                                          float, cudaStream_t);
VIT_INSTANTIATE(float)
VIT_INSTANTIATE(bfloat16)
#undef VIT_INSTANTIATE

}  // namespace vit::cuda
