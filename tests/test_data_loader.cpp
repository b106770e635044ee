// The threaded loader on a small generated folder: order and coverage per epoch, identical
// batches for any worker count, drop-last, corrupt files, output formats, buffer recycling,
// restart and shutdown mid-epoch.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>

#include "data_fixtures.h"
#include "vitcuda/data/loader.h"
#include "vitcuda/runtime/check.h"

using namespace vit;
using data::Batch;
using data::Loader;
using data::LoaderOptions;
using data::Sample;

namespace {

// 11 images of irregular sizes and kinds; each sample's label is its index, so the labels of a
// batch say which files it holds.
std::vector<Sample> make_samples(const test::TempDir& dir) {
  std::vector<Sample> samples;
  for (int i = 0; i < 11; ++i) {
    const int width = 23 + 9 * i, height = 61 - 3 * i;
    const data::Image image = test::ramp_image(width, height, i % 4 == 3 ? 1 : 3, i);
    const auto path = dir / ("img" + std::to_string(i) + (i % 2 ? ".png" : ".jpg"));
    if (i % 2) {
      test::write_png(path, image);
    } else {
      test::write_jpeg(path, image, 90);
    }
    samples.push_back({path.string(), i});
  }
  return samples;
}

struct Epoch {
  std::vector<std::vector<std::uint8_t>> images;  // raw bytes per batch
  std::vector<std::vector<std::int32_t>> labels;
};

Epoch run_epoch(Loader& loader, std::int64_t epoch) {
  Epoch out;
  for (Batch& batch : loader.epoch(epoch)) {
    const auto* bytes = static_cast<const std::uint8_t*>(batch.images.raw_data());
    out.images.emplace_back(bytes, bytes + batch.images.nbytes());
    const auto* labels = batch.labels.data<std::int32_t>();
    out.labels.emplace_back(labels, labels + batch.labels.numel());
  }
  return out;
}

std::vector<std::int32_t> flat(const Epoch& epoch) {
  std::vector<std::int32_t> all;
  for (const auto& labels : epoch.labels) all.insert(all.end(), labels.begin(), labels.end());
  return all;
}

LoaderOptions small(int workers) {
  return {.batch_size = 4, .workers = workers, .seed = 9, .transform = {.size = 16}, .warn = [](const std::string&) {}};
}

}  // namespace

TEST_CASE("loader: every epoch visits each sample once in a seeded order", "[data][loader]") {
  test::TempDir dir;
  const auto samples = make_samples(dir);
  Loader loader(samples, small(2));
  CHECK(loader.batches_per_epoch() == 3);
  const Epoch e0 = run_epoch(loader, 0), e1 = run_epoch(loader, 1), e0_again = run_epoch(loader, 0);
  REQUIRE(e0.labels.size() == 3);
  CHECK(e0.labels[2].size() == 3);  // 11 = 4 + 4 + 3
  std::vector<std::int32_t> sorted = flat(e0);
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<std::int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK(flat(e0) != flat(e1));
  CHECK(flat(e0) == flat(e0_again));
  CHECK((e0.images == e0_again.images));

  LoaderOptions ordered = small(2);
  ordered.shuffle = false;
  Loader in_order(samples, ordered);
  CHECK(flat(run_epoch(in_order, 5)) == std::vector<std::int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
}

TEST_CASE("loader: shards split one seeded order as DistributedSampler does", "[data][loader][dist]") {
  test::TempDir dir;
  const auto samples = make_samples(dir);  // 11
  Loader unsharded(samples, small(1));
  const std::vector<std::int32_t> whole = flat(run_epoch(unsharded, 3));
  for (const bool pad : {true, false}) {
    std::vector<std::vector<std::int32_t>> shards;
    for (int index = 0; index < 3; ++index) {
      LoaderOptions options = small(2);
      options.shard_index = index;
      options.shard_count = 3;
      options.pad_shards = pad;
      Loader loader(samples, options);
      shards.push_back(flat(run_epoch(loader, 3)));
      CHECK(loader.shard_size() == static_cast<std::int64_t>(shards.back().size()));
    }
    // Shard i holds positions i, i + 3, ... of the epoch's order; padding repeats its head.
    for (std::size_t position = 0; position < (pad ? 12u : 11u); ++position) {
      CHECK(shards[position % 3][position / 3] == whole[position % 11]);
    }
    if (pad) {
      CHECK((shards[0].size() == 4 && shards[1].size() == 4 && shards[2].size() == 4));
    } else {  // every sample once: evaluation counts none twice
      CHECK((shards[0].size() == 4 && shards[1].size() == 4 && shards[2].size() == 3));
      std::vector<std::int32_t> all;
      for (const auto& shard : shards) all.insert(all.end(), shard.begin(), shard.end());
      std::sort(all.begin(), all.end());
      CHECK(all == std::vector<std::int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    }
  }
  LoaderOptions bad = small(1);
  bad.shard_index = 2;
  bad.shard_count = 2;
  CHECK_THROWS_WITH(Loader(samples, bad), Catch::Contains("shard_index must be in [0, shard_count)"));
}

TEST_CASE("loader: batches are identical for 1 and 4 workers", "[data][loader]") {
  test::TempDir dir;
  const auto samples = make_samples(dir);
  Loader one(samples, small(1));
  LoaderOptions many_options = small(4);
  many_options.prefetch = 1;  // also the tightest window
  Loader many(samples, many_options);
  for (std::int64_t epoch = 0; epoch < 2; ++epoch) {
    const Epoch a = run_epoch(one, epoch), b = run_epoch(many, epoch);
    CHECK(a.labels == b.labels);
    CHECK((a.images == b.images));
  }
}

TEST_CASE("loader: drop_last leaves out the short batch", "[data][loader]") {
  test::TempDir dir;
  LoaderOptions options = small(2);
  options.drop_last = true;
  Loader loader(make_samples(dir), options);
  CHECK(loader.batches_per_epoch() == 2);
  const Epoch epoch = run_epoch(loader, 0);
  REQUIRE(epoch.labels.size() == 2);
  CHECK(epoch.labels[1].size() == 4);
}

TEST_CASE("loader: output shapes dtypes and pixel values", "[data][loader]") {
  test::TempDir dir;
  test::write_png(dir / "solid.png", test::solid_image(37, 29, {200, 100, 50}));
  test::write_jpeg(dir / "gray.jpg", test::solid_image(40, 30, {90}), 100);
  const std::vector<Sample> samples = {{(dir / "solid.png").string(), 3}, {(dir / "gray.jpg").string(), 1}};
  LoaderOptions options = small(2);
  options.shuffle = false;
  options.transform.mode = data::TransformOptions::Mode::eval;
  options.normalize = false;
  Loader u8_loader(samples, options);
  const Batch u8 = *u8_loader.next();
  CHECK(u8.images.shape() == Shape{2, 3, 16, 16});
  CHECK(u8.images.dtype() == DType::u8);
  CHECK(u8.labels.dtype() == DType::i32);
  CHECK(u8.labels.to_vector() == std::vector<float>{3, 1});
  const std::uint8_t* pixels = u8.images.data<std::uint8_t>();
  for (int i = 0; i < 256; ++i) {
    REQUIRE(pixels[i] == 200);  // a solid PNG stays exact through the resize
    REQUIRE(pixels[256 + i] == 100);
    REQUIRE(pixels[512 + i] == 50);
    REQUIRE(std::abs(pixels[768 + i] - 90) <= 2);  // the gray JPEG, replicated
    REQUIRE(pixels[768 + i] == pixels[768 + 512 + i]);
  }
  options.normalize = true;
  Loader f32_loader(samples, options);
  const Batch f32 = *f32_loader.next();
  CHECK(f32.images.dtype() == DType::f32);
  CHECK(f32.images.to_vector() == data::normalize_images(u8.images, options.normalization).to_vector());
  CHECK(f32.images.data<float>()[0] == Approx((200 / 255.0f - 0.5f) / 0.5f));

  options.channels = 1;
  Loader gray_loader(samples, options);
  CHECK(gray_loader.next()->images.shape() == Shape{2, 1, 16, 16});
}

TEST_CASE("loader: DCT-scaled decoding lands on the same crop", "[data][loader]") {
  // Horizontal bands across a 1440x955 JPEG: for a 256-pixel short side it is decoded at 3/8
  // scale (359 rows, not 358.125); a crop mapped with the row ratio instead of the DCT scale
  // would drift by most of a band.
  test::TempDir dir;
  data::Image bands{1440, 955, 1, {}};
  for (int y = 0; y < 955; ++y) {
    for (int x = 0; x < 1440; ++x) bands.pixels.push_back(static_cast<std::uint8_t>(128 + 100 * std::sin(y * 0.13)));
  }
  test::write_jpeg(dir / "bands.jpg", bands, 95);
  LoaderOptions options = small(1);
  options.transform = {.mode = data::TransformOptions::Mode::eval, .size = 224};
  options.normalize = false;
  Loader scaled({{(dir / "bands.jpg").string(), 0}}, options);
  options.dct_scaling = false;
  Loader full({{(dir / "bands.jpg").string(), 0}}, options);
  const std::vector<float> a = scaled.next()->images.to_vector(), b = full.next()->images.to_vector();
  double total = 0;
  for (std::size_t i = 0; i < a.size(); ++i) total += std::abs(a[i] - b[i]);
  CHECK(total / a.size() < 3.0);
}

TEST_CASE("loader: corrupt and empty files are skipped counted and reported once", "[data][loader]") {
  test::TempDir dir;
  auto samples = make_samples(dir);
  const auto jpeg = data::read_file(samples[0].path);
  data::write_file(dir / "truncated.jpg", std::vector<std::uint8_t>(jpeg.begin(), jpeg.begin() + jpeg.size() / 3));
  test::write_text(dir / "empty.png", "");
  test::write_text(dir / "text.jpg", "not an image");
  samples.push_back({(dir / "truncated.jpg").string(), 100});
  samples.push_back({(dir / "empty.png").string(), 101});
  samples.push_back({(dir / "text.jpg").string(), 102});
  samples.push_back({(dir / "missing.jpg").string(), 103});
  std::mutex mutex;
  std::vector<std::string> warnings;
  LoaderOptions options = small(3);
  options.warn = [&](const std::string& message) {
    std::lock_guard lock(mutex);
    warnings.push_back(message);
  };
  Loader loader(samples, options);
  for (std::int64_t epoch = 0; epoch < 2; ++epoch) {
    std::vector<std::int32_t> labels = flat(run_epoch(loader, epoch));
    std::sort(labels.begin(), labels.end());
    CHECK(labels == std::vector<std::int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  }
  CHECK(loader.corrupt_files() == 4);
  REQUIRE(warnings.size() == 4);
  std::sort(warnings.begin(), warnings.end());
  CHECK_THAT(warnings[0], Catch::Contains("empty.png") && Catch::Contains("empty"));
  CHECK_THAT(warnings[1], Catch::Contains("missing.jpg") && Catch::Contains("cannot open"));
  CHECK_THAT(warnings[2], Catch::Contains("text.jpg") && Catch::Contains("not a JPEG"));
  CHECK_THAT(warnings[3], Catch::Contains("truncated.jpg") && Catch::Contains("Premature end"));

  options.fail_on_corrupt = true;
  options.shuffle = false;
  Loader strict(samples, options);
  CHECK_THROWS_WITH(run_epoch(strict, 0), Catch::Contains("truncated.jpg") && Catch::Contains("fail_on_corrupt"));
}

TEST_CASE("loader: batch buffers come from the allocator and are recycled", "[data][loader]") {
  test::TempDir dir;
  std::atomic<int> allocations{0};
  LoaderOptions options = small(2);
  options.prefetch = 2;
  options.allocator = [&](const Shape& shape, DType dtype) {
    ++allocations;
    return Tensor::empty(shape, dtype);
  };
  Loader loader(make_samples(dir), options);
  for (std::int64_t epoch = 0; epoch < 4; ++epoch) run_epoch(loader, epoch);
  CHECK(allocations.load() <= options.prefetch + options.workers + 1);

  options.allocator = [](const Shape& shape, DType) { return Tensor::empty({shape[0]}, DType::u8); };
  Loader wrong(make_samples(dir), options);
  CHECK_THROWS_WITH(wrong.next(), Catch::Contains("batch allocator returned"));
}

TEST_CASE("loader: restarting or destroying mid-epoch is clean", "[data][loader]") {
  test::TempDir dir;
  const auto samples = make_samples(dir);
  Loader reference(samples, small(1));
  const Epoch expected = run_epoch(reference, 2);
  Loader loader(samples, small(3));
  loader.start_epoch(2);
  REQUIRE(loader.next().has_value());  // one batch, then start over while workers are busy
  CHECK((run_epoch(loader, 2).images == expected.images));
  loader.start_epoch(1);
  loader.next();
  {
    Loader abandoned(samples, small(4));
    abandoned.next();  // destroyed with batches in flight
  }
  Loader never_started(samples, small(2));  // destroyed before any epoch
  SUCCEED();
}

TEST_CASE("loader: bad arguments are clear errors", "[data][loader]") {
  CHECK_THROWS_WITH(Loader({}, small(1)), Catch::Contains("no samples"));
  const std::vector<Sample> one = {{"x.jpg", 0}};
  LoaderOptions options = small(1);
  options.batch_size = 0;
  CHECK_THROWS_WITH(Loader(one, options), Catch::Contains("batch_size"));
  options = small(0);
  CHECK_THROWS_WITH(Loader(one, options), Catch::Contains("workers"));
  options = small(1);
  options.channels = 4;
  CHECK_THROWS_WITH(Loader(one, options), Catch::Contains("channels"));
  CHECK_THROWS_WITH(Loader({{"x.jpg", -1}}, small(1)), Catch::Contains("negative label"));
}
