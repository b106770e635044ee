// The threaded loader. Workers claim whole batches in order from a window of `prefetch` batches
// past the one the consumer waits for, fill them without holding the lock, and file them in
// `ready_` by index; next() hands them out in order. start_epoch bumps a generation counter so
// that batches still being built for the previous epoch are dropped.
#include "vitcuda/data/loader.h"

#include <cmath>
#include <cstdio>
#include <system_error>

#include "data/codecs.h"
#include "data/random.h"
#include "vitcuda/runtime/check.h"

namespace vit::data {

struct Loader::Result {
  Batch batch;
  std::exception_ptr error;
};

namespace {

// A worker keeps its decode buffer between images, but not one grown by a rare huge image.
void release_if_large(Pixels& pixels) {
  constexpr std::size_t kKeepBytes = 64u << 20;
  if (pixels.capacity() > kKeepBytes) Pixels().swap(pixels);
}

}  // namespace

struct Loader::Scratch {
  std::vector<std::uint8_t> bytes;
  Image image;
  ResampleScratch resample;
};

Loader::Loader(std::vector<Sample> samples, LoaderOptions options)
    : samples_(std::move(samples)), options_(std::move(options)) {
  VIT_CHECK(!samples_.empty(), "the loader was given no samples; check the image folder.");
  VIT_CHECK(options_.batch_size > 0, "batch_size must be positive, got ", options_.batch_size, ".");
  VIT_CHECK(options_.workers > 0 && options_.workers <= kMaxWorkers, "workers must be between 1 and ", kMaxWorkers,
            ", got ", options_.workers, ".");
  VIT_CHECK(options_.prefetch >= 0, "prefetch must be >= 0 (0 = 2 x workers), got ", options_.prefetch, ".");
  VIT_CHECK(options_.shard_count > 0 && options_.shard_index >= 0 && options_.shard_index < options_.shard_count,
            "shard_index must be in [0, shard_count), got shard ", options_.shard_index, " of ", options_.shard_count,
            ".");
  VIT_CHECK(options_.channels == 1 || options_.channels == 3, "channels must be 1 or 3, got ",
            options_.channels, ".");
  for (const Sample& sample : samples_) {
    VIT_CHECK(sample.label >= 0, "sample '", sample.path, "' has a negative label ", sample.label, ".");
  }
  plan_crop(options_.transform, 1, 1, 0, 0, 0);  // validates the transform options
  if (options_.prefetch == 0) options_.prefetch = 2 * options_.workers;
  if (!options_.warn) options_.warn = [](const std::string& message) { std::fprintf(stderr, "%s\n", message.c_str()); };
  if (!options_.allocator) options_.allocator = [](const Shape& shape, DType dtype) { return Tensor::empty(shape, dtype); };
  const std::int64_t size = options_.transform.size;
  batch_shape_ = {options_.batch_size, options_.channels, size, size};
  corrupt_ = std::make_unique<std::atomic<bool>[]>(samples_.size());
  try {
    for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { worker_loop(); });
  } catch (const std::system_error& error) {  // out of threads or memory: join the ones started
    const std::size_t started = threads_.size();
    stop_workers();
    VIT_CHECK(false, "cannot start ", options_.workers, " loader threads (", started, " started: ", error.what(),
              "); use fewer workers.");
  }
}

Loader::~Loader() { stop_workers(); }

void Loader::stop_workers() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    generation_.fetch_add(1);  // makes workers abandon the batch they are building
  }
  work_ready_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

std::int64_t Loader::shard_size() const {
  const std::int64_t count = options_.shard_count;
  return options_.pad_shards ? (size() + count - 1) / count : (size() - options_.shard_index + count - 1) / count;
}

std::int64_t Loader::batches_per_epoch() const {
  const std::int64_t n = shard_size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::int64_t Loader::corrupt_files() const { return corrupt_count_.load(); }

void Loader::start_epoch(std::int64_t epoch) {
  VIT_CHECK(epoch >= 0, "epoch must be >= 0, got ", epoch, ".");
  auto order = std::make_shared<std::vector<std::int64_t>>();
  if (options_.shuffle) {
    *order = detail::permutation(size(), detail::KeyedRandom(options_.seed, detail::Stream::shuffle,
                                                               static_cast<std::uint64_t>(epoch)));
  } else {
    order->resize(samples_.size());
    for (std::int64_t i = 0; i < size(); ++i) (*order)[i] = i;
  }
  if (options_.shard_count > 1) {  // this process's shard of the (padded) order
    std::vector<std::int64_t> shard(static_cast<std::size_t>(shard_size()));
    for (std::size_t i = 0; i < shard.size(); ++i) {
      const auto position = static_cast<std::size_t>(options_.shard_index) + i * options_.shard_count;
      shard[i] = (*order)[position % order->size()];  // past the end: the head again (padding)
    }
    *order = std::move(shard);
  }
  {
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1);
    epoch_ = epoch;
    order_ = std::move(order);
    next_claim_ = next_deliver_ = 0;
    ready_.clear();
    started_ = true;
  }
  work_ready_.notify_all();
}

std::optional<Batch> Loader::next() {
  if (!started_) start_epoch(0);
  std::unique_lock lock(mutex_);
  while (next_deliver_ < batches_per_epoch()) {
    batch_ready_.wait(lock, [&] { return ready_.count(next_deliver_) > 0; });
    const std::shared_ptr<Result> result = ready_.extract(next_deliver_).mapped();
    ++next_deliver_;
    work_ready_.notify_all();
    if (result->error) std::rethrow_exception(result->error);
    if (result->batch.labels.numel() > 0) return std::move(result->batch);  // else: all corrupt
  }
  return std::nullopt;
}

void Loader::worker_loop() {
  Scratch scratch;
  std::unique_lock lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] {
      return stopping_ || (started_ && next_claim_ < batches_per_epoch() &&
                           next_claim_ < next_deliver_ + options_.prefetch);
    });
    if (stopping_) return;
    const std::int64_t batch = next_claim_++, epoch = epoch_;
    const std::uint64_t generation = generation_.load();
    const std::shared_ptr<const std::vector<std::int64_t>> order = order_;
    lock.unlock();
    auto result = std::make_shared<Result>();
    try {
      result->batch = make_batch(batch, epoch, *order, generation, scratch);
    } catch (...) {
      result->error = std::current_exception();
    }
    lock.lock();
    if (generation == generation_.load()) {
      ready_[batch] = std::move(result);
      batch_ready_.notify_all();
    }
  }
}

Batch Loader::make_batch(std::int64_t batch, std::int64_t epoch, const std::vector<std::int64_t>& order,
                         std::uint64_t generation, Scratch& scratch) {
  const std::int64_t begin = batch * options_.batch_size;
  const std::int64_t end = std::min<std::int64_t>(begin + options_.batch_size, shard_size());
  Tensor images = take_buffer(), labels = Tensor::empty({end - begin}, DType::i32);
  const std::size_t image_bytes = images.nbytes() / options_.batch_size;
  std::int64_t kept = 0;
  for (std::int64_t position = begin; position < end; ++position) {
    if (generation_.load() != generation) break;  // epoch restarted or loader stopping
    const std::int64_t sample = order[position];
    if (load_sample(sample, epoch, scratch, static_cast<char*>(images.raw_data()) + kept * image_bytes)) {
      labels.data<std::int32_t>()[kept++] = samples_[sample].label;
    }
  }
  return {images.slice(0, kept), labels.slice(0, kept), batch};
}

bool Loader::load_sample(std::int64_t sample, std::int64_t epoch, Scratch& scratch, void* out) {
  const std::string& path = samples_[sample].path;
  try {
    read_file(path, scratch.bytes);
    const ImageInfo info = probe_image(scratch.bytes);
    DecodeOptions decode{.channels = options_.channels};
    VIT_CHECK(detail::dimensions_ok(info.width, info.height, decode), "an image of ", info.width, "x", info.height,
              " pixels is over the limit of ", decode.max_pixels, " pixels.");  // before any size arithmetic
    CropPlan plan = plan_crop(options_.transform, info.width, info.height, options_.seed,
                              static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(sample));
    // Decode downscaled only when the image is at least twice the size the crop needs, and
    // keep the crop at least as large as the output; otherwise results equal torchvision's.
    const double size = options_.transform.size;
    const int need_width = static_cast<int>(std::ceil(size * info.width / plan.width - 1e-6));
    const int need_height = static_cast<int>(std::ceil(size * info.height / plan.height - 1e-6));
    if (options_.dct_scaling && info.width >= 2 * need_width && info.height >= 2 * need_height) {
      decode.min_width = need_width;
      decode.min_height = need_height;
    }
    decode_image(scratch.bytes, decode, scratch.image);
    if (scratch.image.scale != 1.0) plan = scale_plan(plan, scratch.image.scale);
    if (options_.normalize) {
      resample(scratch.image, plan, options_.transform.size, options_.normalization, static_cast<float*>(out),
               scratch.resample);
    } else {
      resample(scratch.image, plan, options_.transform.size, static_cast<std::uint8_t*>(out), scratch.resample);
    }
    release_if_large(scratch.image.pixels);
    return true;
  } catch (const Error& error) {
    release_if_large(scratch.image.pixels);
    VIT_CHECK(!options_.fail_on_corrupt, "cannot load image '", path, "': ", error.what(),
              " Fix or remove the file, or turn off fail_on_corrupt to skip it.");
    report_corrupt(sample, error.what());
    return false;
  }
}

void Loader::report_corrupt(std::int64_t sample, const std::string& reason) {
  if (corrupt_[sample].exchange(true)) return;  // reported in an earlier epoch
  corrupt_count_.fetch_add(1);
  std::lock_guard lock(warn_mutex_);
  options_.warn("vitcuda: skipping image '" + samples_[sample].path + "': " + reason);
}

// A buffer no batch refers to any more (the pool holds the only reference to its storage), or
// a new one; at most prefetch + workers + 1 are kept. The caller gets a view of it, taken
// under the lock, so that no other worker can take the same buffer.
Tensor Loader::take_buffer() {
  {
    std::lock_guard lock(mutex_);
    for (const Tensor& buffer : buffers_) {
      if (buffer.storage().use_count() == 1) {
        std::atomic_thread_fence(std::memory_order_acquire);  // the last reader is done with it
        return buffer.reshape(batch_shape_);
      }
    }
  }
  const DType dtype = options_.normalize ? DType::f32 : DType::u8;
  Tensor buffer = options_.allocator(batch_shape_, dtype);
  VIT_CHECK(buffer.shape() == batch_shape_ && buffer.dtype() == dtype, "the batch allocator returned a ",
            dtype_name(buffer.dtype()), " ", shape_str(buffer.shape()), " tensor; expected ",
            dtype_name(dtype), " ", shape_str(batch_shape_), ".");
  std::lock_guard lock(mutex_);
  if (static_cast<int>(buffers_.size()) < options_.prefetch + options_.workers + 1) buffers_.push_back(buffer);
  return buffer.reshape(batch_shape_);
}

Tensor normalize_images(const Tensor& images, const Normalize& normalize) {
  VIT_CHECK(images.dtype() == DType::u8 && images.ndim() == 4 && (images.size(1) == 1 || images.size(1) == 3),
            "normalize_images takes u8 [B, C, H, W] images with C = 1 or 3, got ",
            dtype_name(images.dtype()), " ", shape_str(images.shape()), ".");
  Tensor out = Tensor::empty(images.shape(), DType::f32);
  const std::int64_t batch = images.size(0), channels = images.size(1), plane = images.size(2) * images.size(3);
  const std::uint8_t* in = images.data<std::uint8_t>();
  float* result = out.data<float>();
  for (std::int64_t c = 0; c < channels; ++c) {
    VIT_CHECK(normalize.std[c] > 0, "normalize std must be positive, got ", normalize.std[c], ".");
    const float scale = 1.0f / (255.0f * normalize.std[c]), bias = -normalize.mean[c] / normalize.std[c];
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::size_t offset = (b * channels + c) * plane;
      for (std::int64_t i = 0; i < plane; ++i) result[offset + i] = in[offset + i] * scale + bias;
    }
  }
  return out;
}

}  // namespace vit::data
