// CUDA optimizer updates. AdamW reads param, grad, m, v and writes param, m, v once (28 bytes per
// element); SGD with momentum reads 3 and writes 2 arrays. Both are grid-stride loops over the
// multi-tensor chunks (multi_tensor.cuh), in the CPU twin's operation order. The gradient norm
// sums squares per block (block_sum) into one partial per block, and one block adds the partials
// in a fixed order (the same bits every run) and turns the sum into the norm and clip factor.
#include "kernels/cuda/optimizer.h"

#include <array>

#include "kernels/cuda/multi_tensor.cuh"
#include "runtime/cuda/scratch.h"

namespace vit::cuda {

namespace {

__device__ __forceinline__ float scale_of(const float* grad_scale) { return grad_scale != nullptr ? *grad_scale : 1.0f; }

// grad * scale rounded on its own (never fused into an FMA with what follows), so a scale in the
// kernel gives the bits of a gradient scaled in place before it.
__device__ __forceinline__ float scaled(float grad, float scale) { return __fmul_rn(grad, scale); }

__global__ void adamw_kernel(TensorBatch<4> batch, AdamWStep s, const float* __restrict__ grad_scale,
                             const StepScalars* __restrict__ scalars) {
  const ChunkRange chunk = my_chunk(batch);
  float* __restrict__ param = static_cast<float*>(batch.pointer[0][chunk.tensor]);
  const float* __restrict__ grad = static_cast<const float*>(batch.pointer[1][chunk.tensor]);
  float* __restrict__ exp_avg = static_cast<float*>(batch.pointer[2][chunk.tensor]);
  float* __restrict__ exp_avg_sq = static_cast<float*>(batch.pointer[3][chunk.tensor]);
  const float scale = scale_of(grad_scale);
  if (scalars != nullptr) {
    s.lr = scalars->lr;
    s.bias_correction1 = scalars->bias_correction1;
    s.bias_correction2 = scalars->bias_correction2;
  }
  const float step_size = s.lr / s.bias_correction1, sqrt_bc2 = sqrtf(s.bias_correction2);
  const float decay = 1.0f - s.lr * s.weight_decay;
  for (std::int64_t i = chunk.begin + threadIdx.x; i < chunk.end; i += blockDim.x) {
    const float g = scaled(grad[i], scale);
    const float m = exp_avg[i] = s.beta1 * exp_avg[i] + (1.0f - s.beta1) * g;
    const float v = exp_avg_sq[i] = s.beta2 * exp_avg_sq[i] + (1.0f - s.beta2) * g * g;
    param[i] = param[i] * decay - step_size * m / (sqrtf(v) / sqrt_bc2 + s.eps);
  }
}

__global__ void sgd_kernel(TensorBatch<3> batch, SgdStep s, const float* __restrict__ grad_scale,
                           const StepScalars* __restrict__ scalars) {
  const ChunkRange chunk = my_chunk(batch);
  float* __restrict__ param = static_cast<float*>(batch.pointer[0][chunk.tensor]);
  const float* __restrict__ grad = static_cast<const float*>(batch.pointer[1][chunk.tensor]);
  float* __restrict__ buffer = static_cast<float*>(batch.pointer[2][chunk.tensor]);
  const float scale = scale_of(grad_scale);
  if (scalars != nullptr) s.lr = scalars->lr;
  for (std::int64_t i = chunk.begin + threadIdx.x; i < chunk.end; i += blockDim.x) {
    float g = scaled(grad[i], scale) + s.weight_decay * param[i];
    if (buffer != nullptr) {
      const float b = buffer[i] = s.momentum * buffer[i] + g;
      g = s.nesterov ? g + s.momentum * b : b;
    }
    param[i] -= s.lr * g;
  }
}

// partials[b] = the sum of squares of block b's chunk.
__global__ void sum_squares_kernel(TensorBatch<1> batch, float* __restrict__ partials) {
  VIT_SHARED(float, scratch, [32]);
  const ChunkRange chunk = my_chunk(batch);
  const float* __restrict__ grad = static_cast<const float*>(batch.pointer[0][chunk.tensor]);
  float sum = 0.0f;
  for (std::int64_t i = chunk.begin + threadIdx.x; i < chunk.end; i += blockDim.x) sum += grad[i] * grad[i];
  sum = block_sum(sum, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

// One block: the norm from the partials, added in a fixed order, and the clip factor.
__global__ void finish_norm_kernel(const float* __restrict__ partials, std::int64_t count, float max_norm,
                                   float* __restrict__ norm, float* __restrict__ clip_scale) {
  VIT_SHARED(float, scratch, [32]);
  float sum = 0.0f;
  for (std::int64_t i = threadIdx.x; i < count; i += blockDim.x) sum += partials[i];
  sum = block_sum(sum, scratch);
  if (threadIdx.x != 0) return;
  const float total = sqrtf(sum);
  *norm = total;
  if (clip_scale != nullptr) {
    const float coefficient = max_norm / (total + 1e-6f);
    *clip_scale = max_norm > 0.0f && coefficient < 1.0f ? coefficient : 1.0f;
  }
}

}  // namespace

void adamw_update(const std::vector<AdamWTensor>& tensors, const AdamWStep& step, const float* grad_scale,
                  const StepScalars* scalars, cudaStream_t stream) {
  for_each_batch<4>(
      tensors,
      [](const AdamWTensor& t) {
        return std::array<void*, 4>{t.param, const_cast<float*>(t.grad), t.exp_avg, t.exp_avg_sq};
      },
      [](const AdamWTensor& t) { return t.size; },
      [&](const TensorBatch<4>& batch, unsigned blocks) {
        launch(adamw_kernel, blocks, kMultiTensorBlock, 0, stream, batch, step, grad_scale, scalars);
      });
}

void sgd_update(const std::vector<SgdTensor>& tensors, const SgdStep& step, const float* grad_scale,
                const StepScalars* scalars, cudaStream_t stream) {
  for_each_batch<3>(
      tensors,
      [](const SgdTensor& t) {
        return std::array<void*, 3>{t.param, const_cast<float*>(t.grad), t.momentum_buffer};
      },
      [](const SgdTensor& t) { return t.size; },
      [&](const TensorBatch<3>& batch, unsigned blocks) {
        launch(sgd_kernel, blocks, kMultiTensorBlock, 0, stream, batch, step, grad_scale, scalars);
      });
}

void grad_norm(const std::vector<GradTensor>& grads, float max_norm, float* norm, float* clip_scale,
               cudaStream_t stream) {
  std::int64_t blocks = 0;  // one per chunk, as for_each_batch launches them
  for (const GradTensor& g : grads) blocks += (g.size + kChunk - 1) / kChunk;
  const Scratch<float> partials(static_cast<std::size_t>(blocks));
  std::int64_t first = 0;
  for_each_batch<1>(
      grads, [](const GradTensor& t) { return std::array<void*, 1>{const_cast<float*>(t.grad)}; },
      [](const GradTensor& t) { return t.size; },
      [&](const TensorBatch<1>& batch, unsigned batch_blocks) {
        launch(sum_squares_kernel, batch_blocks, kMultiTensorBlock, 0, stream, batch, partials.get() + first);
        first += batch_blocks;
      });
  launch(finish_norm_kernel, 1, kMultiTensorBlock, 0, stream, static_cast<const float*>(partials.get()), blocks,
         max_norm, norm, clip_scale);
}

}  // namespace vit::cuda
