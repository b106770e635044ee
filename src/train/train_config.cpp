#include "vitcuda/train/train_config.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "vitcuda/data/loader.h"
#include "vitcuda/runtime/check.h"

namespace vit::train {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainConfig, data, val_split, img_size, num_classes, workers, scale_min,
                                                hflip, crop_pct, model, patch_size, dim, depth, heads, in_channels,
                                                mlp_ratio, has_logits, global_pool, drop_rate, drop_path, pretrained,
                                                freeze_backbone, backbone_lr_scale, epochs, batch_size, grad_accum, opt,
                                                lr, momentum, weight_decay, sched, warmup_epochs, lrf, factor,
                                                step_size, patience, label_smoothing, clip_grad, amp, device,
                                                cuda_graph, dist, dist_timeout, seed, out, resume, eval_only, summary)

ViTConfig TrainConfig::model_config(int classes) const {
  ViTConfig config;
  if (model == "custom") {
    config.patch_size = patch_size;
    config.dim = dim;
    config.depth = depth;
    config.heads = heads;
    config.mlp_ratio = mlp_ratio;
  } else {
    config = ViTConfig::preset(model);
  }
  config.image_size = img_size;
  config.in_channels = in_channels;
  config.num_classes = classes;
  config.representation_size = has_logits ? config.dim : 0;
  config.global_pool = global_pool;
  config.drop_rate = drop_rate;
  config.drop_path_rate = drop_path;
  config.validate();
  return config;
}

std::string TrainConfig::to_json() const { return nlohmann::json(*this).dump(2); }

TrainConfig TrainConfig::from_json(const std::string& text, const TrainConfig& defaults) {
  nlohmann::json given;
  try {
    given = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    VIT_FAIL("the config is not valid JSON (", e.what(), ").");
  }
  VIT_CHECK(given.is_object(), "the config must be a JSON object of flag names and values.");
  const nlohmann::json known = defaults;
  for (const auto& [key, value] : given.items()) {
    VIT_CHECK(known.contains(key), "the config has an unknown key '", key,
              "' (keys are the flag names with underscores, e.g. batch_size).");
  }
  // nlohmann converts between kinds silently (1.5 epochs became 1, 3000000000 wrapped around):
  // each value must have its key's kind, and whole numbers must survive the conversion.
  for (const auto& [key, value] : given.items()) {
    const nlohmann::json& expected = known.at(key);
    if (expected.is_number_integer()) {
      VIT_CHECK(value.is_number_integer(), "the config's '", key, "' must be a whole number, got ", value.dump(), ".");
    } else if (expected.is_number()) {
      VIT_CHECK(value.is_number(), "the config's '", key, "' must be a number, got ", value.dump(), ".");
      // A float field: 1e39 would become infinity, which to_json writes as null.
      VIT_CHECK(std::abs(value.get<double>()) <= std::numeric_limits<float>::max(), "the config's '", key, "' = ",
                value.dump(), " is out of range.");
    } else {
      VIT_CHECK(value.type() == expected.type(), "the config's '", key, "' must be a ", expected.type_name(), ", got ",
                value.dump(), ".");
    }
  }
  nlohmann::json merged = known;
  merged.update(given);
  const TrainConfig config = merged.get<TrainConfig>();
  const nlohmann::json converted = config;
  for (const auto& [key, value] : given.items()) {
    VIT_CHECK(!known.at(key).is_number_integer() || converted.at(key).dump() == value.dump(), "the config's '", key, "' = ",
              value.dump(), " is out of range.");
  }
  return config;
}

void TrainConfig::validate() const {
  VIT_CHECK(!data.empty(), "--data is required: the image folder to train on.");
  VIT_CHECK(val_split >= 0.0f && val_split < 1.0f, "--val-split must be in [0, 1), got ", val_split, ".");
  VIT_CHECK(epochs > 0, "--epochs must be positive, got ", epochs, ".");
  VIT_CHECK(batch_size > 0, "--batch-size must be positive, got ", batch_size, ".");
  VIT_CHECK(grad_accum > 0, "--grad-accum must be positive, got ", grad_accum, ".");
  VIT_CHECK(workers >= 1 && workers <= data::Loader::kMaxWorkers, "--workers must be between 1 and ",
            data::Loader::kMaxWorkers, ", got ", workers, ".");
  VIT_CHECK(opt == "adamw" || opt == "sgd", "--opt must be adamw or sgd, got '", opt, "'.");
  VIT_CHECK(sched == "cosine" || sched == "step" || sched == "plateau" || sched == "const",
            "--sched must be cosine, step, plateau or const, got '", sched, "'.");
  VIT_CHECK(lr > 0.0f && std::isfinite(lr), "--lr must be positive and finite, got ", lr, ".");
  VIT_CHECK(momentum >= 0.0f && momentum < 1.0f, "--momentum must be in [0, 1), got ", momentum, ".");
  VIT_CHECK(weight_decay >= 0.0f && std::isfinite(weight_decay), "--weight-decay must be >= 0 and finite, got ",
            weight_decay, ".");
  VIT_CHECK(img_size >= 1 && img_size <= kMaxImageSize, "--img-size must be between 1 and ", kMaxImageSize,
            " pixels, got ", img_size, ".");
  VIT_CHECK(resume.empty() || pretrained.empty(), "--resume and --pretrained both give the starting weights: ",
            "the checkpoint of --resume brings them, so drop --pretrained.");
  VIT_CHECK(amp == "auto" || amp == "off" || amp == "bf16", "--amp must be auto, bf16 or off, got '", amp, "'.");
  VIT_CHECK(global_pool == "token" || global_pool == "avg", "--global-pool must be token or avg, got '",
            global_pool, "'.");
  VIT_CHECK(device == "cpu" || device == "cuda", "--device must be cpu or cuda, got '", device, "'.");
  VIT_CHECK(amp != "bf16" || device == "cuda", "--amp bf16 needs --device cuda (the cpu kernels are f32 only).");
  VIT_CHECK(cuda_graph == "auto" || cuda_graph == "on" || cuda_graph == "off",
            "--cuda-graph must be auto, on or off, got '", cuda_graph, "'.");
  VIT_CHECK(cuda_graph != "on" || cuda_graph_possible(),
            "--cuda-graph on needs --device cuda and --grad-accum 1 (a graph replays whole optimizer steps); leave it "
            "at auto to use a graph only where it can be.");
  VIT_CHECK(dist == "auto" || dist == "off", "--dist must be auto or off, got '", dist, "'.");
  VIT_CHECK(dist_timeout > 0 && dist_timeout <= 7 * 24 * 3600,
            "--dist-timeout must be between 0 and a week (in seconds), got ", dist_timeout, ".");
  VIT_CHECK(!(freeze_backbone && backbone_lr_scale != 1.0f),
            "--freeze-backbone and --backbone-lr-scale contradict each other: choose one.");
  VIT_CHECK(backbone_lr_scale >= 0.0f, "--backbone-lr-scale must not be negative.");
  VIT_CHECK(label_smoothing >= 0.0f && label_smoothing < 1.0f, "--label-smoothing must be in [0, 1).");
  VIT_CHECK(scale_min > 0.0f && scale_min <= 1.0f, "--scale-min must be in (0, 1], got ", scale_min, ".");
  VIT_CHECK(crop_pct > 0.0f && crop_pct <= 1.0f, "--crop-pct must be in (0, 1], got ", crop_pct, ".");
  VIT_CHECK(hflip >= 0.0f && hflip <= 1.0f, "--hflip must be a probability, got ", hflip, ".");
  VIT_CHECK(clip_grad >= 0.0f, "--clip-grad must not be negative (0 turns clipping off).");
  // Checked whatever the schedule: a value the chosen schedule ignores is still a mistake.
  VIT_CHECK(factor > 0.0f && factor < 1.0f, "--factor must be in (0, 1), got ", factor, ".");
  VIT_CHECK(step_size >= 1, "--step-size must be at least one epoch, got ", step_size, ".");
  VIT_CHECK(patience >= 0, "--patience must not be negative, got ", patience, ".");
}

}  // namespace vit::train
