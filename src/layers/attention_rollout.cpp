#include "vitcuda/layers/attention_rollout.h"

#include <algorithm>
#include <vector>

namespace vit {

namespace {

// A block's attention probabilities [1, H, N, N] averaged over heads: [N, N].
std::vector<double> mean_over_heads(const Tensor& probs) {
  const std::int64_t heads = probs.size(1), n = probs.size(2);
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
  const std::vector<Tensor> blocks = model.attention_probabilities(image);
  model.train(was_training);
  const std::int64_t n = model.config().tokens();
  std::vector<double> rollout(n * n, 0.0), next(n * n);
  for (std::int64_t i = 0; i < n; ++i) rollout[i * n + i] = 1.0;
  for (const Tensor& probs : blocks) {
    std::vector<double> a = mean_over_heads(probs);
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
  }

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
