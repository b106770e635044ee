#pragma once
// Multi-tensor launches (after apex's multi_tensor_apply): one launch walks up to kMaxTensors
// tensors, each cut into chunks of kChunk elements, one chunk per block. The pointers travel in
// the kernel's argument struct (under 2 KB), so a whole parameter list costs a few launches.
#include <cstdint>
#include <vector>

#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

constexpr int kMaxTensors = 32;
constexpr std::int64_t kChunk = 4096;
constexpr int kMultiTensorBlock = 256;

// kPointers device arrays per tensor (e.g. param, grad, exp_avg, exp_avg_sq), all of size[t].
template <int kPointers>
struct TensorBatch {
  void* pointer[kPointers][kMaxTensors];
  std::int64_t size[kMaxTensors];
  std::int64_t first_block[kMaxTensors + 1];
  int count;
};

struct ChunkRange {
  int tensor;
  std::int64_t begin, end;
};

// The tensor and element range of this block's chunk.
template <int kPointers>
__device__ __forceinline__ ChunkRange my_chunk(const TensorBatch<kPointers>& batch) {
  const std::int64_t block = blockIdx.x;
  int t = 0;
  while (block >= batch.first_block[t + 1]) ++t;
  const std::int64_t begin = (block - batch.first_block[t]) * kChunk;
  return {t, begin, begin + kChunk < batch.size[t] ? begin + kChunk : batch.size[t]};
}

// Fills batches from `tensors` (pointers(entry) gives the kPointers pointers of one entry,
// size(entry) its length; empty tensors are skipped) and calls run(batch, blocks) for each.
template <int kPointers, typename Entry, typename Pointers, typename Size, typename Run>
void for_each_batch(const std::vector<Entry>& tensors, Pointers pointers, Size size, Run run) {
  TensorBatch<kPointers> batch{};
  auto flush = [&] {
    if (batch.count > 0) run(batch, static_cast<unsigned>(batch.first_block[batch.count]));
    batch = TensorBatch<kPointers>{};
  };
  for (const Entry& entry : tensors) {
    const std::int64_t n = size(entry);
    if (n == 0) continue;
    const auto ptrs = pointers(entry);
    for (int p = 0; p < kPointers; ++p) batch.pointer[p][batch.count] = ptrs[p];
    batch.size[batch.count] = n;
    batch.first_block[batch.count + 1] = batch.first_block[batch.count] + (n + kChunk - 1) / kChunk;
    if (++batch.count == kMaxTensors) flush();
  }
  flush();
}

}  // namespace vit::cuda
