// The training loop of vit_train. One Run holds the pieces; each function does one step of the
// run's life: set up, train an epoch, evaluate, log and checkpoint.
#include "vitcuda/train/trainer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>

#include "runtime/denormals.h"
#include "vitcuda/dist/grad_reducer.h"
#include "vitcuda/dist/process_group.h"
#include "vitcuda/io/durable_file.h"
#include "vitcuda/layers/pretrained.h"
#include "vitcuda/layers/summary.h"
#include "vitcuda/ops.h"
#include "vitcuda/optim/optimizer.h"
#include "vitcuda/runtime/batch_upload.h"
#include "vitcuda/train/batch_graph.h"
#include "vitcuda/train/checkpoint.h"
#include "vitcuda/train/metrics_log.h"
#include "vitcuda/train/progress.h"
#include "vitcuda/train/scheduler.h"
#include "vitcuda/train/tensorboard.h"

namespace vit::train {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  g_interrupted = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C stops at once
}

// The name of the first parameter that holds a NaN or an infinity, or "" when all are finite.
std::string first_non_finite_parameter(const ViT& model) {
  for (const nn::NamedTensor& p : model.named_parameters()) {
    const std::vector<float> values = p.tensor.to_vector();
    if (!std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); })) return p.name;
  }
  return "";
}

// The run folder a --resume value names: the folder itself, or the folder of a checkpoint file.
fs::path resumed_folder(const fs::path& resume) {
  if (fs::is_directory(resume)) return resume;
  return resume.has_parent_path() ? resume.parent_path() : fs::path(".");
}

// Where the run writes: --out, else the folder of the run it resumes, else runs/exp.
fs::path run_folder(const TrainConfig& c) {
  if (!c.out.empty()) return c.out;
  return c.resume.empty() ? fs::path("runs/exp") : resumed_folder(c.resume);
}

// A data-parallel run's process reads its shard: training shards are padded to equal lengths (the
// same number of steps on every process), evaluation shards are not (no image counted twice).
data::LoaderOptions loader_options(const TrainConfig& c, bool train, const dist::ProcessGroup& group) {
  data::LoaderOptions options;
  options.shard_index = group.rank();
  options.shard_count = group.size();
  options.pad_shards = train;
  options.batch_size = c.batch_size;
  options.workers = c.workers;
  options.shuffle = train;
  options.seed = c.seed;
  options.channels = c.in_channels;
  options.transform.size = c.img_size;
  options.transform.scale_min = c.scale_min;
  options.transform.hflip_prob = c.hflip;
  options.transform.crop_pct = c.crop_pct;
  options.transform.mode = train ? data::TransformOptions::Mode::train : data::TransformOptions::Mode::eval;
  options.normalize = c.device != "cuda";  // cuda: u8 batches, normalised by the patch embedding
  return options;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainConfig& c, ViT& model) {
  optim::GroupingOptions grouping;
  if (c.backbone_lr_scale != 1.0f) {
    const float scale = c.backbone_lr_scale;
    grouping.lr_scale = [scale](const std::string& name) { return ViT::is_head_parameter(name) ? 1.0f : scale; };
  }
  auto groups = optim::make_param_groups(model.named_parameters(), grouping);
  if (c.opt == "sgd") {
    return std::make_unique<optim::SGD>(std::move(groups), optim::SGDOptions{.lr = c.lr, .momentum = c.momentum,
                                                                             .weight_decay = c.weight_decay});
  }
  return std::make_unique<optim::AdamW>(std::move(groups), optim::AdamWOptions{.lr = c.lr, .weight_decay = c.weight_decay});
}

// What one epoch of training adds up to.
struct EpochTotals {
  double loss_sum = 0;  // per-image losses, summed (up to the last read of the tally)
  std::int64_t correct = 0, seen = 0;
  bool interrupted = false;  // by Ctrl-C, after "last" was saved
};

// Where a process that does not report writes: nowhere.
std::FILE* null_output() {
  static std::FILE* file = std::fopen("/dev/null", "w");
  VIT_CHECK(file != nullptr, "cannot open /dev/null.");
  return file;
}

struct Run {
  TrainConfig config;
  dist::ProcessGroup& group;  // one process, or the processes mpirun started (data-parallel)
  std::FILE* console;         // what the run says: stdout on rank 0, nowhere on the other processes
  bool cuda_graph;            // --cuda-graph resolved: never across processes
  fs::path out;
  data::ImageFolder folder;
  std::unique_ptr<ViT> model;
  std::unique_ptr<optim::Optimizer> optimizer;
  std::unique_ptr<data::Loader> train_loader, val_loader;
  std::unique_ptr<Scheduler> scheduler;
  TrainingState state;
  std::int64_t steps_per_epoch = 0;
  std::unique_ptr<LossTally> tally;  // the epoch's loss and accuracy; kept for the run: a graph writes it
  std::unique_ptr<Evaluator> evaluator;  // kept for the run: it may hold a graph
  std::unique_ptr<dist::GradReducer> reducer;  // data-parallel runs: the gradients' mean over processes
  // --cuda-graph: the full-batch step, captured at the second full batch and replayed after; the
  // graph reads its batch from its own buffers. Last: destroyed first.
  struct StepGraph {
    bool warmed_up = false;  // an eager full-batch step made the optimizer state and filled caches
    BatchGraph graph;
  } step_graph;

  Run(const TrainConfig& c, dist::ProcessGroup& g)
      : config(c),
        group(g),
        console(g.is_root() ? stdout : null_output()),
        cuda_graph(c.use_cuda_graph() && !g.distributed()),
        out(run_folder(c)),
        folder(data::ImageFolder::scan(c.data, {.val_split = c.val_split, .seed = c.seed})) {
    const int classes = static_cast<int>(folder.classes().size());
    VIT_CHECK(c.num_classes == 0 || c.num_classes == classes, "--num-classes ", c.num_classes, " does not match the ",
              classes, " class folders in '", c.data, "'.");
    VIT_CHECK(!folder.val().empty(), "'", c.data, "' has no validation images: add a val/ folder or pass --val-split.");
    model = std::make_unique<ViT>(c.model_config(classes), c.device == "cuda" ? Device::cuda() : Device::cpu(), c.seed);
    if (c.bf16_autocast()) model->set_autocast(DType::bf16);  // training and evaluation alike
    const data::Normalize pixels = loader_options(c, true, group).normalization;
    const auto channels = static_cast<std::size_t>(c.in_channels);
    model->set_input_normalization({pixels.mean.begin(), pixels.mean.begin() + channels},
                                   {pixels.std.begin(), pixels.std.begin() + channels});
    model->set_dropout_state(c.seed, 0);
    tally = std::make_unique<LossTally>(model->cls_token.device());
    train_loader = std::make_unique<data::Loader>(folder.train(), loader_options(c, true, group));
    val_loader = std::make_unique<data::Loader>(folder.val(), loader_options(c, false, group));
    evaluator = std::make_unique<Evaluator>(*model, *val_loader, c.label_smoothing, cuda_graph, &group);
    steps_per_epoch = (train_loader->batches_per_epoch() + c.grad_accum - 1) / c.grad_accum;
  }

  void prepare_weights() {
    if (!config.resume.empty()) return;  // the checkpoint brings weights, head included
    if (!config.pretrained.empty()) {
      Rng head_rng(config.seed + 1);
      const PretrainedReport report = load_pretrained(*model, config.pretrained, head_rng);
      std::fprintf(console, "loaded %zu tensors from %s (%s names)", report.loaded.size(), config.pretrained.c_str(),
                   report.format.c_str());
      if (!report.reinitialized.empty())
        std::fprintf(console, "; new head for %d classes", model->config().num_classes);
      if (!report.resampled.empty())
        std::fprintf(console, "; pos_embed resampled to %dx%d", model->config().grid(), model->config().grid());
      std::fprintf(console, "\n");
    }
    if (config.freeze_backbone) model->freeze_backbone();
  }

  void prepare_optimization() {
    optimizer = make_optimizer(config, *model);
    optimizer->set_clip_grad_norm(config.clip_grad);  // 0: off
    SchedulerOptions options;
    options.kind = parse_scheduler_kind(config.sched);
    options.base_lr = config.lr;
    options.steps_per_epoch = steps_per_epoch;
    options.epochs = config.epochs;
    options.warmup_epochs = config.warmup_epochs;
    options.lrf = config.lrf;
    options.step_size = config.step_size;
    options.factor = config.factor;
    options.patience = config.patience;
    scheduler = std::make_unique<Scheduler>(options);
    if (!config.resume.empty()) {
      state = load_checkpoint(config.resume, *model, *optimizer);
      map_resumed_step();
      // A resumed step lies in its epoch: else whole epochs would train nothing, or repeat.
      VIT_CHECK(state.epoch < std::numeric_limits<std::int64_t>::max() / steps_per_epoch - 1 &&
                    state.step >= state.epoch * steps_per_epoch && state.step < (state.epoch + 1) * steps_per_epoch,
                "the checkpoint '", config.resume, "' is at step ", state.step, " after ", state.epoch,
                " epochs, but with this data and batch size an epoch has ", steps_per_epoch,
                " steps: it was edited by hand, or the data or --batch-size changed.");
      scheduler->load_state(state.scheduler);
      std::fprintf(console, "resumed from %s at epoch %lld, step %lld\n", config.resume.c_str(),
                   static_cast<long long>(state.epoch), static_cast<long long>(state.step));
    } else {
      state.best_metric = -INFINITY;
    }
    state.config = config.to_json();
    state.data_seed = config.seed;
    state.steps_per_epoch = steps_per_epoch;
    state.world_size = group.size();
    if (group.distributed()) {
      for (const nn::NamedTensor& p : model->named_parameters()) group.broadcast(p.tensor, 0);  // rank 0's weights
      reducer = std::make_unique<dist::GradReducer>(group, model->named_parameters());
      // Each process draws its own dropout and drop-path masks (timm seeds rank r with seed + r);
      // rank 0 keeps the run's seed, the one its checkpoints record.
      model->set_dropout_state(model->dropout_seed() + static_cast<std::uint64_t>(group.rank()),
                               model->forward_count());
    }
  }

  // A checkpoint of a run whose epochs had another number of steps (another number of processes
  // or batch size): its completed epochs carry over; a mid-epoch one restarts its epoch, since
  // another split of the data cannot continue where the old one stopped.
  void map_resumed_step() {
    if (state.steps_per_epoch == 0 || state.steps_per_epoch == steps_per_epoch) return;
    const bool mid_epoch = state.step != state.epoch * state.steps_per_epoch;
    std::fprintf(console,
                 "the checkpoint's run had %lld process(es) and %lld steps per epoch; this one has %d and %lld%s\n",
                 static_cast<long long>(state.world_size), static_cast<long long>(state.steps_per_epoch), group.size(),
                 static_cast<long long>(steps_per_epoch), mid_epoch ? ": its unfinished epoch starts again" : "");
    state.step = state.epoch * steps_per_epoch;
  }

  // What is on disk for a user whose run just stopped: the last checkpoint, if one was written.
  std::string checkpoint_left() const {
    return fs::exists(out / "last.state.json")
               ? "the last checkpoint, '" + (out / "last.safetensors").string() + "', is unchanged"
               : "no checkpoint was written";
  }

  // Training stops with a clear error rather than write or rank non-finite weights.
  void check_finite(const std::string& what, double value, std::int64_t epoch) const {
    VIT_CHECK(std::isfinite(value), "the ", what, " became ", value, " in epoch ", epoch + 1, ": training stopped and ",
              checkpoint_left(), ". Lower --lr or use --clip-grad.");
  }

  void report_interrupted() const {
    std::printf("interrupted: saved '%s'; continue with --resume %s\n", (out / "last.safetensors").c_str(), out.c_str());
  }

  void save(const std::string& name) {
    if (!group.is_root()) return;  // every process holds the same weights: rank 0 writes them
    const std::string bad = first_non_finite_parameter(*model);
    VIT_CHECK(bad.empty(), "parameter '", bad, "' holds NaN or infinite values after epoch ", state.epoch,
              ": training stopped without saving '", name, "', and ", checkpoint_left(),
              ". Lower --lr or use --clip-grad.");
    state.scheduler = scheduler->state();
    save_checkpoint(out, name, *model, *optimizer, state);
  }

  // Forward, loss (added to the tally) and backward of one batch on the device. With accumulation
  // each micro-batch adds 1/grad_accum of its gradient: the sum is the mean.
  // In a data-parallel run the batch that ends an optimizer step also averages the gradients
  // over the processes, in buckets sent while the backward walk goes on.
  void forward_backward(const Tensor& images, const Tensor& labels, bool optimizer_steps) {
    Tape tape;
    const CrossEntropy loss =
        cross_entropy_and_correct(model->forward(images, tape), labels, config.label_smoothing, tape);
    tally->add(loss, labels.numel());
    const Tensor seed = Tensor::full({}, 1.0f / static_cast<float>(config.grad_accum), DType::f32, images.device());
    if (!reducer || !optimizer_steps) return tape.backward(loss.loss, seed);
    reducer->begin();
    tape.backward(loss.loss, seed, [&] { reducer->on_backward_progress(); });
    reducer->finish();
  }

  // One eager step on a batch already on the device; with accumulation, the optimizer steps every
  // grad_accum batches and at the end of the epoch.
  void eager_step(const Tensor& images, const Tensor& labels, bool optimizer_steps) {
    forward_backward(images, labels, optimizer_steps);
    if (!optimizer_steps) return;
    optimizer->set_lr(scheduler->lr_at(state.step));
    optimizer->step();
    optimizer->zero_grad();
    ++state.step;
  }

  // The same step replayed from the graph (captured at its first use; the capture runs nothing).
  // Its batch is copied into the graph's buffers, and the step's dropout seed, learning rate and
  // bias corrections are written to device memory, where the captured kernels read them.
  void graph_step(const Tensor& images, const Tensor& labels) {
    model->begin_replayed_forward();  // counts the forward, writes its dropout seed to the device
    optimizer->set_lr(scheduler->lr_at(state.step));
    optimizer->begin_step();
    step_graph.graph.replay(images, labels, [&](const Tensor& x, const Tensor& y) {
      forward_backward(x, y, true);  // grad_accum is 1 with a graph
      optimizer->run_step();
      optimizer->zero_grad();
    });
    ++state.step;
  }

  // The progress line's values; on cuda, also the device memory the step holds at its peak.
  Progress::Values progress_values(const EpochTotals& totals) const {
    Progress::Values values{{"loss", totals.loss_sum / static_cast<double>(std::max<std::int64_t>(totals.seen, 1))},
                            {"lr", optimizer->lr()}};
    const Device device = model->cls_token.device();
    if (device.is_cuda())
      values.push_back({"mem_GiB", static_cast<double>(device_memory(device).peak_in_use_bytes) / (1 << 30)});
    return values;
  }

  // One epoch; when Ctrl-C interrupts it, "last" is saved first. The step queues its work and
  // never waits for the device: the loss and accuracy add up there (the LossTally) and are read
  // when the progress line is drawn, which is also where a NaN loss or a bad label stops the run.
  // With --cuda-graph, full batches after the first are replayed from a graph.
  EpochTotals train_epoch(std::int64_t epoch) {
    EpochTotals totals;
    model->train();
    const std::int64_t skip = (state.step - epoch * steps_per_epoch) * config.grad_accum;  // resumed mid-epoch
    Progress progress("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(config.epochs),
                      train_loader->batches_per_epoch(), console);
    const auto start = std::chrono::steady_clock::now();
    const Device device = model->cls_token.device();
    tally->reset();
    BatchUpload image_upload(device), label_upload(device);  // cuda: pinned, on a copy stream
    // Reads the tally (waits for the device) and stops on a non-finite loss.
    const auto read_totals = [&](std::int64_t batch) {
      const LossTally::Sums sums = tally->read();
      totals.loss_sum = sums.loss_sum;
      totals.correct = sums.correct;
      check_finite("training loss by batch " + std::to_string(batch + 1), totals.loss_sum, epoch);
    };
    std::int64_t micro = 0;
    optimizer->zero_grad();
    for (data::Batch& batch : train_loader->epoch(epoch)) {
      if (batch.index < skip) continue;
      const Tensor labels = label_upload.upload(batch.labels), images = image_upload.upload(batch.images);
      const std::int64_t rows = batch.labels.numel();
      const bool last_batch = batch.index + 1 == train_loader->batches_per_epoch();
      const bool full_batch = rows == config.batch_size;
      if (cuda_graph && full_batch && step_graph.warmed_up) {
        graph_step(images, labels);
        ++micro;
      } else {
        eager_step(images, labels, ++micro % config.grad_accum == 0 || last_batch);
        step_graph.warmed_up = step_graph.warmed_up || full_batch;
      }
      totals.seen += rows;
      const bool stopping = g_interrupted && micro % config.grad_accum == 0 && !last_batch;  // else: finish the epoch
      if (progress.due(batch.index + 1) || last_batch || stopping) {
        read_totals(batch.index);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        progress.update(batch.index + 1, progress_values(totals),
                        static_cast<double>(totals.seen) / std::max(seconds, 1e-9));
      }
      if (stopping) {
        progress.finish();
        save("last");
        report_interrupted();
        totals.interrupted = true;
        return totals;
      }
    }
    progress.finish();
    return totals;
  }
};

}  // namespace

void top_k(const float* row, int classes, int k, std::vector<int>& out) {
  out.resize(classes);
  for (int c = 0; c < classes; ++c) out[c] = c;
  k = std::min(k, classes);
  std::partial_sort(out.begin(), out.begin() + k, out.end(), [&](int a, int b) { return row[a] > row[b]; });
  out.resize(k);
}

int run(const TrainConfig& config) {
  config.validate();
  flush_denormals_to_zero();  // late-training denormals slowed cpu steps
  dist::ProcessGroup& group =
      dist::ProcessGroup::init({.enabled = config.dist != "off", .timeout_seconds = config.dist_timeout});
  VIT_CHECK(!group.distributed() || config.cuda_graph != "on",
            "--cuda-graph on does not combine with a data-parallel run (", group.size(),
            " processes): leave it at auto, which steps without a graph there.");
  if (group.distributed() && config.device == "cuda") use_cuda_device(group.local_rank());
  Run run(config, group);
  run.prepare_weights();
  if (config.summary) {
    std::fprintf(run.console, "%s", summarize(*run.model, config.batch_size).to_string().c_str());
    return 0;
  }
  if (group.distributed()) {
    std::fprintf(run.console, "data-parallel: %d processes, gradients over %s; batch %d per process, %lld in all\n",
                 group.size(), group.backend(run.model->cls_token.device()).c_str(), config.batch_size,
                 static_cast<long long>(config.batch_size) * config.grad_accum * group.size());
  }
  run.prepare_optimization();
  if (config.eval_only) {
    const EvalResult r = run.evaluator->run();
    std::fprintf(run.console, "validation: loss %.4f  top-1 %.2f%%  top-5 %.2f%%  (%lld images)\n", r.loss,
                 100 * r.top1, 100 * r.top5, static_cast<long long>(r.images));
    return 0;
  }

  if (fs::exists(run.out / "last.state.json")) {  // never write into another run's folder
    VIT_CHECK(!config.resume.empty(), "'", run.out.string(), "' already holds a run: pass --resume ",
              run.out.string(), " to continue it, or choose another --out.");
    const fs::path resumed = resumed_folder(config.resume);
    VIT_CHECK(fs::equivalent(resumed, run.out), "'", run.out.string(), "' holds another run than the one resumed from '",
              config.resume, "': leave out --out to continue in '", resumed.string(), "', or choose a new --out.");
  }
  // Rank 0 alone writes the run folder: config, logs, TensorBoard events, checkpoints.
  std::unique_ptr<SummaryWriter> tensorboard;
  std::unique_ptr<MetricsLog> metrics;
  if (group.is_root()) {
    fs::create_directories(run.out);
    write_file_atomically(run.out / "config.json", [&](std::ostream& out) { out << config.to_json() << "\n"; });
    run.folder.write_class_indices(run.out);
    tensorboard = std::make_unique<SummaryWriter>(run.out);
    metrics = std::make_unique<MetricsLog>(
        run.out / "metrics.csv", std::vector<std::string>{"epoch", "train_loss", "train_acc", "val_loss", "val_acc",
                                                          "val_top5", "lr", "images_per_s"});
  }
  g_interrupted = false;
  // Across processes Ctrl-C keeps its default: mpirun stops them all (one process saving "last"
  // alone would leave the others waiting for it).
  if (!group.distributed()) std::signal(SIGINT, on_sigint);

  const std::vector<std::string>& classes = run.folder.classes();
  for (std::int64_t epoch = run.state.epoch; epoch < config.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    EpochTotals totals = run.train_epoch(epoch);
    if (totals.interrupted) return 130;
    group.all_reduce_sum(std::span<double>(&totals.loss_sum, 1));  // every process's images, once
    std::int64_t counts[] = {totals.correct, totals.seen};
    group.all_reduce_sum(counts);
    totals.correct = counts[0];
    totals.seen = counts[1];
    const std::int64_t seen = totals.seen;
    VIT_CHECK(seen > 0, "epoch ", epoch + 1, " trained on no image: no training image in '", config.data,
              "' could be decoded (see the warnings above).");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const EvalResult val = run.evaluator->run();
    run.check_finite("validation loss", val.loss, epoch);
    const double train_loss = totals.loss_sum / static_cast<double>(seen);
    const double train_acc = static_cast<double>(totals.correct) / static_cast<double>(seen);
    const float lr = run.optimizer->lr();
    run.scheduler->on_epoch_end(static_cast<float>(val.top1));
    run.state.epoch = epoch + 1;
    const bool best = val.top1 > run.state.best_metric;
    if (best) run.state.best_metric = static_cast<float>(val.top1);
    if (!group.is_root()) continue;
    std::printf("epoch %lld/%d: train loss %.4f acc %.2f%% | val loss %.4f top-1 %.2f%% top-5 %.2f%% | %.0f img/s\n",
                static_cast<long long>(epoch + 1), config.epochs, train_loss, 100 * train_acc, val.loss,
                100 * val.top1, 100 * val.top5, static_cast<double>(seen) / seconds);

    const std::int64_t step = epoch + 1;
    tensorboard->add_scalar("train/loss", static_cast<float>(train_loss), step);
    tensorboard->add_scalar("train/acc", static_cast<float>(train_acc), step);
    tensorboard->add_scalar("val/loss", static_cast<float>(val.loss), step);
    tensorboard->add_scalar("val/acc", static_cast<float>(val.top1), step);
    tensorboard->add_scalar("val/top5", static_cast<float>(val.top5), step);
    tensorboard->add_scalar("lr", lr, step);
    tensorboard->flush();
    metrics->append({static_cast<double>(epoch + 1), train_loss, train_acc, val.loss, val.top1, val.top5, lr,
                     static_cast<double>(seen) / seconds});

    if (best) {
      run.save("best");
      val.confusion.write_csv(run.out / "confusion_best.csv", classes);
    }
    run.save("last");
    if (g_interrupted) {  // during the epoch's last batch, or an epoch of one batch
      run.report_interrupted();
      return 130;
    }
  }
  std::signal(SIGINT, SIG_DFL);
  std::fprintf(run.console, "best val top-1 %.2f%%; checkpoints, logs and metrics in %s\n", 100 * run.state.best_metric,
               run.out.c_str());
  return 0;
}

}  // namespace vit::train
