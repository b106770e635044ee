// metrics.csv (appending, resuming, header mismatch) and the confusion matrix.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "vitcuda/runtime/check.h"
#include "vitcuda/train/confusion.h"
#include "vitcuda/train/metrics_log.h"

using namespace vit;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

fs::path fresh_file(const std::string& name) {
  // the process id keeps builds that run their tests at the same time apart
  const fs::path path = fs::temp_directory_path() / (std::to_string(getpid()) + "_" + name);
  fs::remove(path);
  return path;
}

}  // namespace

TEST_CASE("metrics log: header once and one flushed row per append", "[metrics]") {
  const fs::path path = fresh_file("vit_metrics_rows.csv");
  train::MetricsLog log(path, {"epoch", "train_loss", "val_acc", "lr"});
  CHECK(read_text(path) == "epoch,train_loss,val_acc,lr\n");
  log.append({1, 0.53125, 0.8125, 3e-4});
  CHECK(read_text(path) == "epoch,train_loss,val_acc,lr\n1,0.53125,0.8125,0.0003\n");  // no close needed
  log.append({2, 1.0f / 3.0f, 0.875, 1e-5});
  CHECK(read_text(path) == "epoch,train_loss,val_acc,lr\n1,0.53125,0.8125,0.0003\n2,0.333333343,0.875,1e-05\n");
  CHECK_THROWS_WITH(log.append({3, 0.5}), Catch::Contains("got 2 values for 4 columns"));
  fs::remove(path);
}

TEST_CASE("metrics log: resuming appends under the existing header", "[metrics]") {
  const fs::path path = fresh_file("vit_metrics_resume.csv");
  { train::MetricsLog(path, {"epoch", "loss"}).append({1, 0.5}); }
  { train::MetricsLog(path, {"epoch", "loss"}).append({2, 0.25}); }
  CHECK(read_text(path) == "epoch,loss\n1,0.5\n2,0.25\n");
  fs::remove(path);
}

TEST_CASE("metrics log: a row cut short by a crash stays on its own line", "[metrics]") {
  const fs::path path = fresh_file("vit_metrics_cut.csv");
  std::ofstream(path, std::ios::binary) << "epoch,loss\n1,0.5\n2,0.2";
  train::MetricsLog(path, {"epoch", "loss"}).append({2, 0.25});
  CHECK(read_text(path) == "epoch,loss\n1,0.5\n2,0.2\n2,0.25\n");
  fs::remove(path);
}

TEST_CASE("metrics log: other columns in an existing file are refused and the file kept", "[metrics]") {
  const fs::path path = fresh_file("vit_metrics_mismatch.csv");
  { train::MetricsLog(path, {"epoch", "loss"}).append({1, 0.5}); }
  CHECK_THROWS_AS(train::MetricsLog(path, {"epoch", "loss", "acc"}), vit::Error);
  CHECK_THROWS_WITH(train::MetricsLog(path, {"epoch", "acc"}),
                    Catch::Contains("its columns are 'epoch,loss' but this run logs 'epoch,acc'"));
  CHECK(read_text(path) == "epoch,loss\n1,0.5\n");
  fs::remove(path);
}

TEST_CASE("metrics log: an unwritable path is a clear error", "[metrics]") {
  const fs::path path = fresh_file("vit_no_such_folder") / "metrics.csv";
  CHECK_THROWS_WITH(train::MetricsLog(path, {"epoch"}), Catch::Contains("vit_no_such_folder"));
}

TEST_CASE("confusion matrix: counts and accuracy", "[metrics]") {
  train::ConfusionMatrix matrix(3);
  CHECK(matrix.accuracy() == 0.0);
  matrix.add(0, 0);
  matrix.add(0, 0);
  matrix.add(0, 2);
  matrix.add(1, 1);
  matrix.add(2, 1);
  CHECK(matrix.total() == 5);
  CHECK(matrix.count(0, 0) == 2);
  CHECK(matrix.count(0, 2) == 1);
  CHECK(matrix.count(2, 0) == 0);
  CHECK(matrix.accuracy() == Approx(0.6));
  CHECK_THROWS_WITH(matrix.add(3, 0), Catch::Contains("must be in [0, 3)"));
  CHECK_THROWS_AS(matrix.add(0, -1), vit::Error);
  CHECK_THROWS_AS(train::ConfusionMatrix(0), vit::Error);
}

TEST_CASE("confusion matrix: csv has truth rows and predicted columns", "[metrics]") {
  const fs::path path = fresh_file("vit_confusion.csv");
  train::ConfusionMatrix matrix(2);
  matrix.add(0, 1);
  matrix.add(1, 1);
  matrix.add(1, 1);
  matrix.write_csv(path, {"cat", "t-shirt, top"});
  CHECK(read_text(path) == "truth\\predicted,cat,\"t-shirt, top\"\ncat,0,1\n\"t-shirt, top\",0,2\n");
  CHECK_FALSE(fs::exists(path.string() + ".tmp"));
  CHECK_THROWS_WITH(matrix.write_csv(path, {"cat"}), Catch::Contains("got 1 class names for 2 classes"));
  fs::remove(path);
}
