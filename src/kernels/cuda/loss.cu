// CUDA cross-entropy with label smoothing: one block per row. Forward reads the row once (an
// online softmax: running maximum, its first index, exp-sum rescaled when the maximum grows, and
// the logit sum), writes the row's loss and adds one to the correct count (an integer atomic:
// exact); one block then adds the row losses in a fixed order (mean_forward, reduce.cu), so the
// loss has the same bits every run. Backward reads the row twice (the same statistics, then the
// softmax) and writes dlogits once, recomputing the statistics instead of saving them. One thread
// adds a batch's loss and correct count to an epoch's running sums (a few bytes). A label
// outside the classes is reported as a device fault (its row loss is NaN), not checked on the host.
#include "kernels/cuda/loss.h"

#include "kernels/cuda/reduce.h"
#include "runtime/cuda/device_fault.cuh"
#include "runtime/cuda/numeric.cuh"
#include "runtime/cuda/scratch.h"

namespace vit::cuda {

namespace {

constexpr int kBlock = 256;

struct RowStats {
  float max, log_sum_exp, sum;  // sum of the logits
  std::int32_t argmax;          // first index holding the maximum
};

// A running softmax denominator: sum = sum of exp(v - max) over the values seen so far.
struct ExpSum {
  float max = -INFINITY, sum = 0.0f;

  __device__ void add(float v) {
    if (v > max) {  // rescale what is summed to the new maximum
      sum = sum * expf(max - v) + 1.0f;
      max = v;
    } else if (!(v == -INFINITY)) {  // exp(-inf - max) is 0 (and NaN when max is -inf too); NaN goes on
      sum += expf(v - max);
    }
  }
  __device__ void merge(const ExpSum& other) {
    const float top = fmaxf(max, other.max);
    if (top == -INFINITY) return;  // both empty
    sum = (max == -INFINITY ? 0.0f : sum * expf(max - top)) +
          (other.max == -INFINITY ? 0.0f : other.sum * expf(other.max - top));
    max = top;
  }
};

// Every thread of the block gets the statistics of `row`, from one read of it: each thread keeps
// a running maximum (its first index), exp-sum and logit sum; warps then the block merge them.
template <typename T>
__device__ RowStats row_stats(const T* __restrict__ row, std::int64_t classes) {
  VIT_SHARED(float, warp_max, [32]);
  VIT_SHARED(float, warp_exp_sum, [32]);
  VIT_SHARED(float, warp_logit_sum, [32]);
  VIT_SHARED(std::int32_t, warp_arg, [32]);
  ExpSum exp_sum;
  float logit_sum = 0.0f;
  std::int32_t arg = 0x7fffffff;
  for (std::int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
    const float v = to_float(row[c]);
    if (v > exp_sum.max) arg = static_cast<std::int32_t>(c);
    exp_sum.add(v);
    logit_sum += v;
  }
  // Merge within the warp, then across warps in warp order; ties keep the smaller index.
  const auto merge_from = [&](const ExpSum& other, std::int32_t other_arg, float other_logits) {
    if (other.max > exp_sum.max || (other.max == exp_sum.max && other_arg < arg)) arg = other_arg;
    exp_sum.merge(other);
    logit_sum += other_logits;
  };
  for (int offset = 16; offset > 0; offset /= 2) {
    ExpSum other;
    other.max = __shfl_xor_sync(kFullMask, exp_sum.max, offset);
    other.sum = __shfl_xor_sync(kFullMask, exp_sum.sum, offset);
    const std::int32_t other_arg = __shfl_xor_sync(kFullMask, arg, offset);
    merge_from(other, other_arg, __shfl_xor_sync(kFullMask, logit_sum, offset));
  }
  const unsigned warp = threadIdx.x / 32, warps = blockDim.x / 32;
  if (threadIdx.x % 32 == 0) {
    warp_max[warp] = exp_sum.max;
    warp_exp_sum[warp] = exp_sum.sum;
    warp_logit_sum[warp] = logit_sum;
    warp_arg[warp] = arg;
  }
  __syncthreads();
  exp_sum = ExpSum{warp_max[0], warp_exp_sum[0]};
  logit_sum = warp_logit_sum[0];
  arg = warp_arg[0];
  for (unsigned w = 1; w < warps; ++w) merge_from(ExpSum{warp_max[w], warp_exp_sum[w]}, warp_arg[w], warp_logit_sum[w]);
  return {exp_sum.max, exp_sum.max + logf(exp_sum.sum), logit_sum, arg};
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
    cross_entropy_forward_kernel(const T* __restrict__ logits, const std::int32_t* __restrict__ labels,
                                 std::int64_t classes, float smoothing, float* __restrict__ row_losses,
                                 std::int32_t* __restrict__ correct, DeviceFault* fault) {
  const std::int64_t r = blockIdx.x;
  const T* row = logits + r * classes;
  const RowStats stats = row_stats(row, classes);
  if (threadIdx.x == 0) {
    const std::int32_t label = labels[r];
    if (label < 0 || label >= classes) {
      report_fault(fault, FaultKind::label_out_of_range, label, r, classes);
      row_losses[r] = NAN;
      return;
    }
    const float row_loss = (1.0f - smoothing) * (stats.log_sum_exp - to_float(row[label])) +
                           smoothing * (stats.log_sum_exp - stats.sum / classes);
    row_losses[r] = row_loss;
    if (correct != nullptr && stats.argmax == label) atomicAdd(correct, 1);
  }
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
    cross_entropy_backward_kernel(const T* __restrict__ logits, const std::int32_t* __restrict__ labels,
                                  const float* __restrict__ dloss, T* __restrict__ dlogits, std::int64_t rows,
                                  std::int64_t classes, float smoothing) {
  const std::int64_t r = blockIdx.x;
  const T* row = logits + r * classes;
  const RowStats stats = row_stats(row, classes);
  const std::int32_t label = labels[r];
  const float row_scale = *dloss / rows, uniform = smoothing / classes;
  for (std::int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
    const float target = uniform + (c == label ? 1.0f - smoothing : 0.0f);
    dlogits[r * classes + c] = from_float<T>((expf(to_float(row[c]) - stats.log_sum_exp) - target) * row_scale);
  }
}

// One block per row: the label's rank (classes above it, ties to the smaller index; a NaN label
// logit ranks last) summed over the block's threads, and the first arg-max from row_stats.
template <typename T>
__global__ void __launch_bounds__(kBlock)
    count_predictions_kernel(const T* __restrict__ logits, const std::int32_t* __restrict__ labels,
                             std::int64_t classes, std::int32_t* __restrict__ counts) {
  VIT_SHARED(std::int32_t, warp_ranks, [32]);
  const std::int64_t r = blockIdx.x;
  const std::int32_t label = labels[r];
  if (label < 0 || label >= classes) return;  // the whole block: cross_entropy reports the fault
  const T* row = logits + r * classes;
  const RowStats stats = row_stats(row, classes);
  const float target = to_float(row[label]);
  std::int32_t rank = 0;
  for (std::int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
    const float v = to_float(row[c]);
    rank += v > target || (v == target && c < label);
  }
  for (int offset = 16; offset > 0; offset /= 2) rank += __shfl_xor_sync(kFullMask, rank, offset);
  if (threadIdx.x % 32 == 0) warp_ranks[threadIdx.x / 32] = rank;
  __syncthreads();
  if (threadIdx.x != 0) return;
  rank = 0;
  for (unsigned w = 0; w < blockDim.x / 32; ++w) rank += warp_ranks[w];
  if (target != target) rank = static_cast<std::int32_t>(classes);  // NaN
  if (rank == 0) atomicAdd(&counts[0], 1);
  if (rank < 5) atomicAdd(&counts[1], 1);
  const std::int64_t predicted = stats.argmax < classes ? stats.argmax : 0;  // no maximum: class 0, as on the cpu
  atomicAdd(&counts[2 + label * classes + predicted], 1);
}

__global__ void tally_batch_kernel(const float* __restrict__ loss, const std::int32_t* __restrict__ correct,
                                   std::int64_t rows, double* __restrict__ loss_sum,
                                   std::int64_t* __restrict__ correct_sum) {
  *loss_sum += static_cast<double>(*loss) * static_cast<double>(rows);
  *correct_sum += *correct;
}

}  // namespace

template <typename T>
void count_predictions(const T* logits, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                       std::int32_t* counts, cudaStream_t stream) {
  VIT_CHECK(rows >= 1 && rows <= 0x7fffffff && classes >= 1, "count_predictions: bad shape [", rows, ", ", classes,
            "].");
  launch(count_predictions_kernel<typename DeviceTypeOf<T>::type>, static_cast<unsigned>(rows), kBlock, 0, stream,
         device_ptr(logits), labels, classes, counts);
}

void tally_batch(const float* loss, const std::int32_t* correct, std::int64_t rows, double* loss_sum,
                 std::int64_t* correct_sum, cudaStream_t stream) {
  launch(tally_batch_kernel, 1, 1, 0, stream, loss, correct, rows, loss_sum, correct_sum);
}

template <typename T>
void cross_entropy_forward(const T* logits, const std::int32_t* labels, std::int64_t rows, std::int64_t classes,
                           float smoothing, float* loss, std::int32_t* correct, DeviceFault* fault,
                           cudaStream_t stream) {
  VIT_CHECK(rows >= 1 && rows <= 0x7fffffff && classes >= 1, "cross_entropy: bad shape [", rows, ", ", classes, "].");
  if (correct != nullptr) CUDA_CHECK(cudaMemsetAsync(correct, 0, sizeof(std::int32_t), stream));
  const Scratch<float> row_losses(static_cast<std::size_t>(rows));
  launch(cross_entropy_forward_kernel<typename DeviceTypeOf<T>::type>, static_cast<unsigned>(rows), kBlock, 0, stream,
         device_ptr(logits), labels, classes, smoothing, row_losses.get(), correct, fault);
  mean_forward(row_losses.get(), loss, rows, stream);
}

template <typename T>
void cross_entropy_backward(const T* logits, const std::int32_t* labels, const float* dloss, T* dlogits,
                            std::int64_t rows, std::int64_t classes, float smoothing, cudaStream_t stream) {
  VIT_CHECK(rows >= 1 && rows <= 0x7fffffff && classes >= 1, "cross_entropy: bad shape [", rows, ", ", classes, "].");
  launch(cross_entropy_backward_kernel<typename DeviceTypeOf<T>::type>, static_cast<unsigned>(rows), kBlock, 0,
         stream, device_ptr(logits), labels, dloss, device_ptr(dlogits), rows, classes, smoothing);
}

#define VIT_INSTANTIATE(T)                                                                                             \
  template void cross_entropy_forward<T>(const T*, const std::int32_t*, std::int64_t, std::int64_t, float, float*,     \
                                         std::int32_t*, DeviceFault*, cudaStream_t);                                   \
  template void cross_entropy_backward<T>(const T*, const std::int32_t*, const float*, T*, std::int64_t, std::int64_t, \
                                          float, cudaStream_t);                                                        \
  template void count_predictions<T>(const T*, const std::int32_t*, std::int64_t, std::int64_t, std::int32_t*,         \
                                     cudaStream_t);
VIT_INSTANTIATE(float)
VIT_INSTANTIATE(bfloat16)
#undef VIT_INSTANTIATE

}  // namespace vit::cuda
