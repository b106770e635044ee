// CUDA fused attention over packed qkv at ViT-B shape (N 197, 12 heads x 64) in bf16: forward and
// forward+backward, FLOPs 4 B H N^2 hd (forward) and 14 B H N^2 hd (with the backward's five
// products), both on tensor cores (attention_mma.cu, attention_mma_backward.cu) and compared
// with their bf16 peak. On GPU builds an unfused baseline runs beside it: cuBLAS for Q K^T and P V with a
// softmax kernel between (attention_baseline.cu). Issue target on an H100: forward+backward at
// least as fast as PyTorch's scaled_dot_product_attention.
#include "cuda_bench.h"
#include "kernels/cuda/attention.h"
#include "runtime/cuda/memory.h"
#if VIT_CUDA_ON
#include "attention_baseline.h"
#endif

namespace {

using namespace vit::cuda;
using vit::bfloat16;

vit::AttentionShape shape_of(const benchmark::State& state) {
  return {bench::pick(state.range(0), 1), bench::pick(197, 37), bench::pick(768, 64), bench::pick(12, 2)};
}

double forward_flops(const vit::AttentionShape& s) {
  return 4.0 * s.batch * s.heads * s.tokens * s.tokens * s.head_dim();
}

struct Buffers {
  DeviceBuffer<bfloat16> qkv, out, dout, dqkv;
  DeviceBuffer<float> lse, workspace;
  explicit Buffers(const vit::AttentionShape& s)
      : qkv(s.batch * s.tokens * 3 * s.dim), out(s.batch * s.tokens * s.dim), dout(s.batch * s.tokens * s.dim),
        dqkv(s.batch * s.tokens * 3 * s.dim), lse(s.batch * s.heads * s.tokens),
        workspace(attention_backward_workspace(s)) {
    qkv.fill_bytes(0);
    dout.fill_bytes(0);
  }
};

void BM_attention_forward(benchmark::State& state) {
  const auto s = shape_of(state);
  Buffers b(s);
  bench::run_timed(state, {0, forward_flops(s), bench::Peak::bf16_tensor_cores},
                   [&] { attention_forward(b.qkv.get(), b.out.get(), b.lse.get(), s, nullptr); });
}

void BM_attention_forward_backward(benchmark::State& state) {
  const auto s = shape_of(state);
  Buffers b(s);
  bench::run_timed(state, {0, 3.5 * forward_flops(s), bench::Peak::bf16_tensor_cores}, [&] {
    attention_forward(b.qkv.get(), b.out.get(), b.lse.get(), s, nullptr);
    attention_backward(b.qkv.get(), b.out.get(), b.lse.get(), b.dout.get(), b.dqkv.get(), b.workspace.get(), s,
                       nullptr);
  });
}

#if VIT_CUDA_ON
void BM_attention_forward_unfused_cublas(benchmark::State& state) {
  const auto s = shape_of(state);
  Buffers b(s);
  DeviceBuffer<float> scores(s.heads * s.tokens * s.tokens);
  DeviceBuffer<bfloat16> probs(s.heads * s.tokens * s.tokens);
  bench::run_timed(state, {0, forward_flops(s), bench::Peak::bf16_tensor_cores}, [&] {
    unfused_attention_forward(b.qkv.get(), b.out.get(), scores.get(), probs.get(), s, nullptr);
  });
}
BENCHMARK(BM_attention_forward_unfused_cublas)->Arg(64)->UseManualTime();
#endif

}  // namespace

BENCHMARK(BM_attention_forward)->Arg(64)->UseManualTime();
BENCHMARK(BM_attention_forward_backward)->Arg(64)->UseManualTime();
