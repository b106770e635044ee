#pragma once
// Weights in and out of a ViT as safetensors with timm's names. load_pretrained() adapts a
// checkpoint for fine-tuning: torchvision names are mapped, the head (and pre-logits) are
// re-initialised when the class count differs, and pos_embed is resampled for another image
// size like timm's resample_abs_pos_embed (bicubic, antialiased, class token kept apart).
#include <map>
#include <string>
#include <vector>

#include "vitcuda/layers/vit.h"

namespace vit {

struct PretrainedReport {
  std::string format;                       // "timm" or "torchvision"
  std::vector<std::string> loaded;          // model parameters taken from the file
  std::vector<std::string> reinitialized;   // head / pre-logits left at a fresh init
  std::vector<std::string> resampled;       // pos_embed, when the grid differs
  std::vector<std::string> unused;          // file tensors the model has no place for
};

PretrainedReport load_pretrained(ViT& model, const std::string& path, Rng& head_rng);

// Exact load (resume, prediction): every parameter present with the same shape. Both work on a
// model on either device (the file's values are copied in, the parameters copied out).
void load_weights(ViT& model, const std::string& path);
void save_weights(const ViT& model, const std::string& path,
                  const std::map<std::string, std::string>& metadata = {});

// pos [1, prefix + old_h*old_w, D] -> [1, prefix + new_h*new_w, D]; old grid assumed square.
Tensor resample_pos_embed(const Tensor& pos, int new_h, int new_w, int prefix_tokens = 1);

}  // namespace vit
