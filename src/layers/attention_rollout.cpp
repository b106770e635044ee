#include "vitcuda/layers/attention_rollout.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/attention.h"
#include "vitcuda/ops.h"

namespace vit {

namespace {

// The block's attention probabilities averaged over heads: [N, N].
std::vector<double> mean_attention(const Tensor& qkv, int heads) {
  const cpu::AttentionShape s{qkv.size(0), qkv.size(1), qkv.size(2) / 3, heads};
  Tensor out = Tensor::empty({s.batch, s.tokens, s.dim});
  Tensor probs = Tensor::empty({s.batch, s.heads, s.tokens, s.tokens});
  cpu::attention_forward(qkv.data<float>(), out.data<float>(), probs.data<float>(), s);
  const std::int64_t n = s.tokens;
  std::vector<double> mean(n * n, 0.0);
  for (std::int64_t h = 0; h < heads; ++h) {
    const float* p = probs.data<float>() + h * n * n;
    for (std::int64_t i = 0; i < n * n; ++i) mean[i] += p[i] / heads;
  }
  return mean;
}

}  // namespace

Tensor attention_rollout(ViT& model, const Tensor& image) {
  VIT_CHECK(image.ndim() == 4 && image.size(0) == 1, "attention_rollout takes one image [1, C, H, W], got ",
            shape_str(image.shape()), ".");
  VIT_CHECK(image.device().is_cpu(), "attention_rollout runs on the cpu.");
  const bool was_training = model.training();
  model.eval();
  NoGradGuard no_grad;
  Tape tape;
  nn::ForwardContext ctx(tape, false, 0);
  const std::int64_t n = model.config().tokens();
  Tensor x = add(concat_class_token(model.cls_token, model.patch_embed.forward(image, ctx), tape), model.pos_embed, tape);
  std::vector<double> rollout(n * n, 0.0), next(n * n);
  for (std::int64_t i = 0; i < n; ++i) rollout[i * n + i] = 1.0;
  for (const auto& block : model.blocks) {
    const Tensor qkv = block->attn.qkv.forward(block->norm1.forward(x, ctx), ctx);
    std::vector<double> a = mean_attention(qkv, block->attn.heads);
    for (std::int64_t i = 0; i < n; ++i) {
      a[i * n + i] += 1.0;
      for (std::int64_t j = 0; j < n; ++j) a[i * n + j] *= 0.5;  // rows of 0.5 A + 0.5 I sum to 1
    }
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        double sum = 0.0;
        for (std::int64_t k = 0; k < n; ++k) sum += a[i * n + k] * rollout[k * n + j];
        next[i * n + j] = sum;
      }
    }
    rollout.swap(next);
    x = block->forward(x, ctx);
  }
  model.train(was_training);

  const int grid = model.config().grid();
  Tensor map = Tensor::empty({grid, grid});
  float* m = map.data<float>();
  for (std::int64_t p = 0; p < grid * grid; ++p) m[p] = static_cast<float>(rollout[p + 1]);  // class token's row
  const float largest = *std::max_element(m, m + grid * grid);
  if (largest > 0.0f) {
    for (std::int64_t p = 0; p < grid * grid; ++p) m[p] /= largest;
  }
  return map;
}

}  // namespace vit
