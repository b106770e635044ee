#pragma once
// The argument structs the kernels of both backends take (src/kernels/cpu and src/kernels/cuda),
// here so that neither backend includes the other's headers for them.
#include <cstdint>

namespace vit {

// Multi-head attention over packed qkv [batch, tokens, 3 * dim].
struct AttentionShape {
  std::int64_t batch, tokens, dim, heads;
  std::int64_t head_dim() const { return dim / heads; }
};

// Non-overlapping patch x patch patches of NCHW images.
struct PatchGeometry {
  std::int64_t batch, channels, height, width, patch;
  std::int64_t grid_h() const { return height / patch; }
  std::int64_t grid_w() const { return width / patch; }
  std::int64_t patches() const { return grid_h() * grid_w(); }
  std::int64_t patch_features() const { return channels * patch * patch; }
};

struct AdamWStep {
  float lr, beta1, beta2, eps, weight_decay;
  float bias_correction1, bias_correction2;  // 1 - beta^t
};

struct SgdStep {
  float lr, momentum, weight_decay;
  bool nesterov;
};

// The numbers of an update that change from step to step, read by the CUDA update kernels from
// device memory (when given) instead of the step's own, so that a captured CUDA graph replays
// every step with its own learning rate and bias corrections.
struct StepScalars {
  float lr, bias_correction1, bias_correction2;  // SGD reads lr only
};

}  // namespace vit
