// Data pipeline throughput on generated 500x375 photo-like JPEGs (ImageNet's typical size):
// decode alone, resampling alone, and the full per-image path of the loader (read, decode,
// RandomResizedCrop + flip or Resize + CenterCrop to 224, normalize to f32) with one worker, so
// items/s is images per second per core. The 64 images are written once to VIT_BENCH_DATA_DIR
// (default $TMPDIR/vitcuda_bench_jpegs) and reused; bench/data_pipeline_torchvision.py times
// PIL + torchvision on the same files.
//
// Peak memory of a full pass: with VIT_BENCH_RSS_DIR set, BM_full_pass_rss runs one epoch over
// the first 20000 images of that folder (VIT_BENCH_RSS_IMAGES changes the count), generating the
// missing ones first, and reports the process's peak RSS.
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.h"
#include "vitcuda/data.h"

namespace {

namespace fs = std::filesystem;
using namespace vit::data;

constexpr int kWidth = 500, kHeight = 375;

// Smooth shapes plus texture and noise: compresses like a photo (~60-100 kB at quality 90).
Image photo_like(int seed) {
  Image image{kWidth, kHeight, 3, Pixels(kWidth * kHeight * 3)};
  std::uint32_t state = 2654435761u * (seed + 1);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      state = state * 1664525u + 1013904223u;
      const double noise = static_cast<int>(state >> 27) - 16;
      for (int c = 0; c < 3; ++c) {
        const double value = 128 + 70 * std::sin(x * 0.013 * (c + 1) + seed) * std::cos(y * 0.021 + c) +
                             25 * std::sin((x + 2 * y) * 0.35 + seed * c) + noise;
        image.pixels[(y * kWidth + x) * 3 + c] = static_cast<std::uint8_t>(std::clamp(value, 0.0, 255.0));
      }
    }
  }
  return image;
}

// `count` images in folder/<class>/ (10 classes); existing files are kept.
std::vector<Sample> generated_folder(const fs::path& folder, int count) {
  std::vector<Sample> samples;
  for (int i = 0; i < count; ++i) {
    const fs::path path = folder / ("class" + std::to_string(i % 10)) / ("img" + std::to_string(i) + ".jpg");
    if (!fs::exists(path)) {
      fs::create_directories(path.parent_path());
      write_file(path, encode_jpeg(photo_like(i), 90));
    }
    samples.push_back({path.string(), i % 10});
  }
  return samples;
}

const std::vector<Sample>& bench_images() {
  static const std::vector<Sample> samples = [] {
    const char* dir = std::getenv("VIT_BENCH_DATA_DIR");
    return generated_folder(dir ? fs::path(dir) : fs::temp_directory_path() / "vitcuda_bench_jpegs", 64);
  }();
  return samples;
}

void BM_decode_jpeg(benchmark::State& state) {
  const auto& samples = bench_images();
  std::vector<std::vector<std::uint8_t>> files;
  for (const Sample& s : samples) files.push_back(read_file(s.path));
  Image image;
  std::size_t i = 0;
  for (auto _ : state) {
    decode_image(files[i++ % files.size()], {}, image);
    benchmark::DoNotOptimize(image.pixels.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// The resampling pass alone (a decoded 500x375 image to 224x224 f32), train or eval geometry.
void BM_resample(benchmark::State& state) {
  const Image image = photo_like(0);
  const TransformOptions options{.mode = state.range(0) ? TransformOptions::Mode::train : TransformOptions::Mode::eval};
  std::vector<float> out(3 * 224 * 224);
  ResampleScratch scratch;
  std::uint64_t sample = 0;
  for (auto _ : state) {
    const CropPlan plan = plan_crop(options, kWidth, kHeight, 0, 0, sample++);
    resample(image, plan, 224, Normalize{}, out.data(), scratch);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}

// One worker thread through the Loader: images per second per core. Args: train (1) or eval
// (0), DCT scaling on (1) or off (0).
void BM_loader_one_worker(benchmark::State& state) {
  const auto& samples = bench_images();
  LoaderOptions options{.batch_size = 32, .workers = 1, .dct_scaling = state.range(1) != 0};
  options.transform = {.mode = state.range(0) ? TransformOptions::Mode::train : TransformOptions::Mode::eval,
                       .size = 224};
  Loader loader(samples, options);
  std::int64_t images = 0, epoch = 0;
  for (auto _ : state) {
    for (Batch& batch : loader.epoch(epoch++)) images += batch.labels.numel();
  }
  state.SetItemsProcessed(images);
}

void BM_full_pass_rss(benchmark::State& state) {
  const char* count_env = std::getenv("VIT_BENCH_RSS_IMAGES");
  const int count = count_env ? std::atoi(count_env) : 20000;
  const std::vector<Sample> samples = generated_folder(std::getenv("VIT_BENCH_RSS_DIR"), count);
  Loader loader(samples, {.batch_size = 64, .workers = 2, .transform = {.size = 224}});
  std::int64_t images = 0;
  for (auto _ : state) {
    for (Batch& batch : loader.epoch(0)) images += batch.labels.numel();
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_MiB"] = usage.ru_maxrss / 1024.0;
  state.counters["images"] = static_cast<double>(samples.size());
  state.SetItemsProcessed(images);
}

[[maybe_unused]] const bool registered_rss = [] {
  if (std::getenv("VIT_BENCH_RSS_DIR")) {
    benchmark::RegisterBenchmark("BM_full_pass_rss", BM_full_pass_rss)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);
  }
  return true;
}();

}  // namespace

BENCHMARK(BM_decode_jpeg)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_resample)->ArgName("train")->Arg(1)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_loader_one_worker)->ArgNames({"train", "dct"})->Args({1, 1})->Args({1, 0})->Args({0, 1})->Args({0, 0})
    ->UseRealTime()->Unit(benchmark::kMillisecond);
