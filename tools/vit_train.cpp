// vit_train: trains or fine-tunes a ViT on an image folder. Thin: flags (CLI11, or --config
// file.json whose values the flags override) into a TrainConfig, then vit::train::run.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "vitcuda/dist/process_group.h"
#include "vitcuda/runtime/input_file.h"
#include "vitcuda/train/trainer.h"

namespace {

// --config FILE is read before the other flags so that flags given on the command line win.
vit::train::TrainConfig defaults_from_config_file(int argc, char** argv) {
  CLI::App pre;
  pre.allow_extras();
  pre.set_help_flag();
  std::string path;
  pre.add_option("--config", path);
  pre.parse(argc, argv);
  if (path.empty()) return {};
  return vit::train::TrainConfig::from_json(vit::read_text_file(path, "config file"), vit::train::TrainConfig{});
}

void add_flags(CLI::App& app, vit::train::TrainConfig& c) {
  app.add_option("--config", "JSON file of flag values (keys with underscores); flags given here win");
  app.add_option("--data", c.data, "image folder: root/train/<class>/* (+ root/val/<class>/*) or root/<class>/*");
  app.add_option("--val-split", c.val_split, "fraction of each class held out when there is no val/ folder");
  app.add_option("--model", c.model, "vit_ti16, vit_s16, vit_b16, vit_b32, vit_l16, vit_l32 or custom");
  app.add_option("--patch-size", c.patch_size, "custom model: patch size");
  app.add_option("--dim", c.dim, "custom model: embedding dim");
  app.add_option("--depth", c.depth, "custom model: blocks");
  app.add_option("--heads", c.heads, "custom model: attention heads");
  app.add_option("--mlp-ratio", c.mlp_ratio, "custom model: MLP hidden / dim");
  app.add_option("--in-channels", c.in_channels, "image channels the model takes (1: grayscale, 3: RGB)");
  app.add_option("--img-size", c.img_size, "input resolution");
  app.add_option("--num-classes", c.num_classes, "classes (default: the number of class folders)");
  app.add_option("--epochs", c.epochs);
  app.add_option("--batch-size", c.batch_size);
  app.add_option("--grad-accum", c.grad_accum, "micro-batches per optimizer step");
  app.add_option("--opt", c.opt, "adamw or sgd");
  app.add_option("--lr", c.lr, "base learning rate");
  app.add_option("--momentum", c.momentum, "SGD momentum");
  app.add_option("--weight-decay", c.weight_decay);
  app.add_option("--sched", c.sched, "cosine, step, plateau or const");
  app.add_option("--warmup-epochs", c.warmup_epochs);
  app.add_option("--lrf", c.lrf, "cosine: final learning rate as a fraction of --lr");
  app.add_option("--step-size", c.step_size, "step: epochs between decays");
  app.add_option("--factor", c.factor, "step and plateau: decay factor");
  app.add_option("--patience", c.patience, "plateau: epochs without improvement before a decay");
  app.add_option("--pretrained", c.pretrained, "safetensors checkpoint (timm or torchvision names) to fine-tune");
  app.add_flag("--freeze-backbone", c.freeze_backbone, "train only the head (and pre-logits)");
  app.add_option("--backbone-lr-scale", c.backbone_lr_scale, "backbone learning rate as a fraction of --lr");
  app.add_flag("--has-logits", c.has_logits, "add the pre-logits layer (Linear + Tanh) before the head");
  app.add_option("--global-pool", c.global_pool,
                 "head features: token (class token, final norm) or avg (mean of the patch tokens, then fc_norm)");
  app.add_option("--label-smoothing", c.label_smoothing);
  app.add_option("--drop", c.drop_rate, "dropout rate");
  app.add_option("--drop-path", c.drop_path, "stochastic depth rate");
  app.add_option("--clip-grad", c.clip_grad, "clip the global gradient norm (0: off)");
  app.add_option("--amp", c.amp, "bf16 mixed precision (cuda only) or off; default auto: bf16 on cuda, off on cpu");
  app.add_option("--device", c.device, "cpu or cuda");
  app.add_option("--cuda-graph", c.cuda_graph,
                 "replay each full-batch training step from a CUDA graph: auto (where possible: cuda, --grad-accum 1, "
                 "no dropout or drop-path), on, off");
  app.add_option("--dist", c.dist,
                 "data-parallel training: auto (over the processes mpirun started; --batch-size is per process), off "
                 "(each process alone)");
  app.add_option("--dist-timeout", c.dist_timeout,
                 "seconds a process waits for the others in a collective before it stops the run");
  app.add_option("--workers", c.workers, "data loader threads");
  app.add_option("--scale-min", c.scale_min, "RandomResizedCrop: smallest crop area fraction");
  app.add_option("--hflip", c.hflip, "horizontal flip probability");
  app.add_option("--crop-pct", c.crop_pct, "evaluation: center crop of the image resized to img-size / crop-pct");
  app.add_option("--seed", c.seed)->check([](const std::string& value) {  // a negative seed would wrap around
    return value.starts_with('-') ? std::string("must not be negative") : std::string();
  });
  app.add_option("--out", c.out, "run folder: checkpoints, config.json, metrics.csv, TensorBoard events "
                 "(default: the --resume run's folder, else runs/exp)");
  app.add_option("--resume", c.resume, "continue from a run folder or a checkpoint file");
  app.add_flag("--eval-only", c.eval_only, "evaluate the --resume or --pretrained weights on the val set");
  app.add_flag("--summary", c.summary, "print the model summary and exit");
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  try {
    vit::train::TrainConfig config = defaults_from_config_file(argc, argv);
    CLI::App app("vit_train: train or fine-tune a Vision Transformer on an image folder");
    add_flags(app, config);
    CLI11_PARSE(app, argc, argv);
    return vit::train::run(config);
  } catch (const vit::Error& error) {
    std::fprintf(stderr, "vit_train: %s\n", error.what());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "vit_train: %s\n", error.what());
  }
  vit::dist::abort_run_on_error(1);  // under mpirun: the other processes must not wait for this one
  return 1;
}
