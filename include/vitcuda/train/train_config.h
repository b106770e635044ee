#pragma once
// Everything a training run is configured by: the flags of vit_train, the `--config file.json`
// it can read, and the config.json it writes into the run folder (so a run can be repeated).
#include <cstdint>
#include <string>

#include "vitcuda/layers/config.h"

namespace vit::train {

struct TrainConfig {
  static constexpr int kMaxImageSize = 8192;  // --img-size: beyond it, sizes and memory stop making sense

  // data
  std::string data;           // image folder (root/train + root/val, or root/<class> with val_split)
  float val_split = 0.0f;
  int img_size = 224;
  int num_classes = 0;        // 0: from the folder
  int workers = 4;
  float scale_min = 0.08f;    // RandomResizedCrop's smallest area fraction (timm --scale)
  float hflip = 0.5f;         // horizontal flip probability
  float crop_pct = 0.875f;    // evaluation: resize to img_size / crop_pct, center-crop img_size (timm)
  // model
  std::string model = "vit_s16";  // a preset, or "custom" with the fields below
  int patch_size = 16, dim = 384, depth = 12, heads = 6, in_channels = 3;
  float mlp_ratio = 4.0f;
  bool has_logits = false;        // pre-logits layer (representation size = dim)
  std::string global_pool = "token";  // token (class token) | avg (mean of patch tokens + fc_norm), timm's
  float drop_rate = 0.0f, drop_path = 0.0f;
  std::string pretrained;         // safetensors checkpoint (timm or torchvision names)
  bool freeze_backbone = false;
  float backbone_lr_scale = 1.0f; // differential learning rate
  // optimisation
  int epochs = 30, batch_size = 64, grad_accum = 1;
  std::string opt = "adamw";      // adamw | sgd
  float lr = 3e-4f, momentum = 0.9f, weight_decay = 0.05f;
  std::string sched = "cosine";   // cosine | step | plateau | const
  float warmup_epochs = 0.0f, lrf = 0.01f, factor = 0.1f;
  int step_size = 10, patience = 3;
  float label_smoothing = 0.1f, clip_grad = 0.0f;
  // runtime
  std::string amp = "auto";       // auto (bf16 on cuda, off on cpu) | bf16 (cuda only) | off
  std::string device = "cpu";     // cpu | cuda
  std::string cuda_graph = "auto";  // auto (on where it can be) | on | off: replay full-batch steps
  std::string dist = "auto";        // auto: data-parallel when mpirun started several processes | off
  double dist_timeout = 600;        // seconds a rank waits for the others before it gives up
  std::uint64_t seed = 0;
  std::string out;                // run folder; empty: the resumed run's folder, else runs/exp
  std::string resume;             // run folder or checkpoint to continue from
  bool eval_only = false, summary = false;

  ViTConfig model_config(int classes) const;  // the preset or custom dims, with classes and size
  bool bf16_autocast() const { return amp == "bf16" || (amp == "auto" && device == "cuda"); }
  // A CUDA graph replays the step on cuda with one batch per optimizer step.
  bool cuda_graph_possible() const { return device == "cuda" && grad_accum == 1; }
  bool use_cuda_graph() const { return cuda_graph != "off" && cuda_graph_possible(); }
  std::string to_json() const;                // pretty-printed, every field
  // Values from JSON over `defaults` (e.g. the values of flags given on the command line).
  static TrainConfig from_json(const std::string& text, const TrainConfig& defaults);
  void validate() const;                      // one sentence per bad value
};

}  // namespace vit::train
