#pragma once
// Attention rollout (Abnar & Zuidema, 2020): where the class token looks, through all blocks.
// Per block the heads' attention is averaged, the residual path added as 0.5 A + 0.5 I, rows
// renormalised, and the blocks' matrices multiplied; the class token's row over the patches is
// the map.
#include "vitcuda/layers/vit.h"

namespace vit {

// image [1, C, H, W] on the cpu -> [grid, grid] f32, normalised to a maximum of 1.
Tensor attention_rollout(ViT& model, const Tensor& image);

}  // namespace vit
