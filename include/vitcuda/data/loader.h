#pragma once
// The threaded batch loader. Worker threads read, decode and transform whole batches into a
// bounded window of `prefetch` batches ahead of the consumer; batches are handed out in order.
// Memory is the window plus one image per worker, independent of the dataset size.
//
// Determinism: the epoch's order is a Philox permutation of (seed, epoch), and each image's
// augmentation is keyed by (seed, epoch, sample), so batches are identical for any worker count.
//
//   Loader loader(folder.train(), {.batch_size = 64, .workers = 4, .transform = {.size = 224}});
//   for (std::int64_t epoch = 0; epoch < epochs; ++epoch)
//     for (Batch& batch : loader.epoch(epoch)) train_step(batch.images, batch.labels);
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "vitcuda/data/image_folder.h"
#include "vitcuda/data/transforms.h"
#include "vitcuda/runtime/tensor.h"

namespace vit::data {

struct Batch {
  Tensor images;  // [B, C, size, size]: f32 normalized, or u8 (normalize later, e.g. on device)
  Tensor labels;  // [B] i32
  std::int64_t index = 0;  // position of the batch in its epoch
};

// Returns a tensor for a batch buffer. The default is Tensor::empty on the cpu; the CUDA backend
// can pass one that returns pinned host memory. Buffers are recycled once the consumer has
// dropped every reference to a batch, so the allocator is called about `prefetch` times.
using BatchAllocator = std::function<Tensor(const Shape& shape, DType dtype)>;

struct LoaderOptions {
  int batch_size = 64;
  int workers = 4;
  int prefetch = 0;  // ready or in-flight batches ahead of the consumer; 0 = 2 x workers
  bool shuffle = true;
  bool drop_last = false;  // drop the last batch when it is smaller than batch_size
  // Data-parallel runs, with PyTorch's DistributedSampler semantics: every process draws the same
  // epoch order and reads shard `shard_index` of `shard_count`, the positions index, index + count,
  // ... With pad_shards the order is first padded to a multiple of count by repeating its head,
  // so every shard has the same length (training: every rank takes the same number of steps);
  // without, shards differ by at most one sample and no sample is read twice (evaluation).
  int shard_index = 0, shard_count = 1;
  bool pad_shards = true;
  std::uint64_t seed = 0;
  int channels = 3;        // 3: RGB, 1: luma
  bool normalize = true;   // true: f32 output; false: u8 output (see normalize_images)
  Normalize normalization;
  TransformOptions transform;
  // Decode a JPEG at least twice as large as the crop needs at a DCT scale n/8 (still no
  // smaller than needed): faster, and close to but not bit-identical with torchvision.
  bool dct_scaling = true;
  // A corrupt or unreadable image is left out of its batch (which comes out smaller), counted
  // and reported once through `warn`. With fail_on_corrupt, next() throws instead.
  bool fail_on_corrupt = false;
  std::function<void(const std::string&)> warn;  // default: one line on stderr
  BatchAllocator allocator;
};

// Driven by one consumer thread (start_epoch, next, epoch ranges); the workers are internal.
class Loader {
 public:
  static constexpr int kMaxWorkers = 256;
  Loader(std::vector<Sample> samples, LoaderOptions options);
  ~Loader();  // stops the workers (each finishes at most the image it is decoding)
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Starts (or restarts, dropping what is queued) an epoch.
  void start_epoch(std::int64_t epoch);
  // The next batch of the current epoch in order, or nothing at its end. Rethrows a worker's
  // error. Before any start_epoch, starts epoch 0.
  std::optional<Batch> next();

  class Iterator;
  struct Epoch {
    Loader* loader;
    std::int64_t epoch;
    Iterator begin();
    std::default_sentinel_t end() { return {}; }
  };
  Epoch epoch(std::int64_t epoch) { return {this, epoch}; }

  std::int64_t size() const { return static_cast<std::int64_t>(samples_.size()); }
  std::int64_t shard_size() const;  // samples this loader reads per epoch (size() without sharding)
  std::int64_t batches_per_epoch() const;
  std::int64_t corrupt_files() const;  // distinct files skipped so far
  const LoaderOptions& options() const { return options_; }

 private:
  struct Result;
  struct Scratch;
  void worker_loop();
  Batch make_batch(std::int64_t batch, std::int64_t epoch, const std::vector<std::int64_t>& order,
                   std::uint64_t generation, Scratch& scratch);
  bool load_sample(std::int64_t sample, std::int64_t epoch, Scratch& scratch, void* out);
  Tensor take_buffer();
  void report_corrupt(std::int64_t sample, const std::string& reason);
  void stop_workers();

  std::vector<Sample> samples_;
  LoaderOptions options_;
  Shape batch_shape_;
  std::unique_ptr<std::atomic<bool>[]> corrupt_;  // per sample: already reported
  std::atomic<std::int64_t> corrupt_count_{0};
  std::mutex warn_mutex_;  // warn is called by one worker at a time

  std::mutex mutex_;
  std::condition_variable work_ready_, batch_ready_;
  bool stopping_ = false;
  bool started_ = false;
  std::atomic<std::uint64_t> generation_{0};  // bumped by start_epoch; stale work is dropped
  std::int64_t epoch_ = 0;
  std::shared_ptr<const std::vector<std::int64_t>> order_;
  std::int64_t next_claim_ = 0, next_deliver_ = 0;
  std::map<std::int64_t, std::shared_ptr<Result>> ready_;
  std::vector<Tensor> buffers_;  // recycled batch buffers
  std::vector<std::thread> threads_;
};

class Loader::Iterator {
 public:
  explicit Iterator(Loader* loader) : loader_(loader), current_(loader->next()) {}
  Batch& operator*() { return *current_; }
  Batch* operator->() { return &*current_; }
  Iterator& operator++() {
    current_ = loader_->next();
    return *this;
  }
  bool operator==(std::default_sentinel_t) const { return !current_.has_value(); }

 private:
  Loader* loader_;
  std::optional<Batch> current_;
};

inline Loader::Iterator Loader::Epoch::begin() {
  loader->start_epoch(epoch);
  return Iterator(loader);
}

// u8 [B, C, H, W] -> f32 (x / 255 - mean) / std: the loader's normalization, as a separate step
// for pipelines that move u8 batches to the device first (a quarter of the bytes).
Tensor normalize_images(const Tensor& images, const Normalize& normalize);

}  // namespace vit::data
