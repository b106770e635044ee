#pragma once
// Element-wise maps at full memory width: out[i] = op(in[i]...) over n elements, float32
// arithmetic, for any mix of float and bf16 operands.
//   launch_map(Gelu{}, n, stream, device_ptr(y), device_ptr(x));
// Where every pointer is 16-byte aligned and n fits in 32 bits (checked once, on the host), each
// thread moves one pack per operand per step, kWidth = 16 / (largest element size) elements
// (8 bf16 or 4 floats: LDG.128 / STG.128), with 32-bit index arithmetic; the last n % kWidth
// elements go one at a time. Otherwise one element at a time with 64-bit indices. Traffic: each
// operand read once, out written once; nothing else.
#include <algorithm>
#include <cstdint>
#include <initializer_list>

#include "runtime/cuda/numeric.cuh"

namespace vit::cuda {

template <typename T, int kWidth>
struct alignas(sizeof(T) * kWidth) Pack {
  T v[kWidth];
};

// True when every pointer may be read or written in 16-byte packs (null ones are not accessed).
inline bool aligned_16(std::initializer_list<const void*> pointers) {
  for (const void* pointer : pointers) {
    if (reinterpret_cast<std::uintptr_t>(pointer) % 16 != 0) return false;
  }
  return true;
}

// The one operator more than one file maps with (the others live beside their one user).
struct Add {
  __device__ float operator()(float a, float b) const { return a + b; }
};

template <typename Index, int kWidth, typename Op, typename Out, typename... In>
__global__ void element_map_kernel(Op op, Index n, Out* out, const In*... in) {  // out may be an input
  const Index first = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x;
  const Index stride = static_cast<Index>(gridDim.x) * blockDim.x;
  const Index packs = n / kWidth;
  for (Index p = first; p < packs; p += stride) {
    const Index i = p * kWidth;
    Pack<Out, kWidth> result;
    const auto apply = [&](const Pack<In, kWidth>... operand) {  // by value: one 16-byte load each
#pragma unroll
      for (int j = 0; j < kWidth; ++j) result.v[j] = from_float<Out>(op(to_float(operand.v[j])...));
    };
    apply(*reinterpret_cast<const Pack<In, kWidth>*>(in + i)...);
    *reinterpret_cast<Pack<Out, kWidth>*>(out + i) = result;
  }
  for (Index i = packs * kWidth + first; i < n; i += stride) out[i] = from_float<Out>(op(to_float(in[i])...));
}

template <typename Op, typename Out, typename... In>
void launch_map(Op op, std::int64_t n, LaunchStream stream, Out* out, const In*... in) {
  if (n == 0) return;
  constexpr std::size_t kLargest = std::max({sizeof(Out), sizeof(In)...});
  constexpr int kWidth = static_cast<int>(16 / kLargest);
  const bool vector = aligned_16({out, in...}) && n < (std::int64_t{1} << 30);
  const unsigned blocks = grid_for(vector ? (n + kWidth - 1) / kWidth : n, kGridStrideBlock);
  if (vector) {
    launch(element_map_kernel<std::uint32_t, kWidth, Op, Out, In...>, blocks, kGridStrideBlock, 0, stream, op,
           static_cast<std::uint32_t>(n), out, in...);
  } else {
    launch(element_map_kernel<std::int64_t, 1, Op, Out, In...>, blocks, kGridStrideBlock, 0, stream, op, n, out, in...);
  }
}

}  // namespace vit::cuda
