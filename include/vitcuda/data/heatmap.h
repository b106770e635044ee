#pragma once
// A map of values in [0, 1] over an image, as a picture (vit_predict --attention-map): the map is
// upsampled bilinearly to the image's size, coloured blue to red ("jet") and half blended with
// the image. Images smaller than min_size are first enlarged (nearest) to at least min_size
// pixels, so that a 28-pixel input still shows its map.
#include "vitcuda/data/image.h"
#include "vitcuda/runtime/tensor.h"

namespace vit::data {

// map [g, g] f32; pixels [1, C, S, S] u8 with C 1 or 3 (a loader's batch with normalize off).
Image heatmap_overlay(const Tensor& map, const Tensor& pixels_u8, int min_size = 224);

}  // namespace vit::data
