// The progress display's text, with an injected clock and tty flag.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "vitcuda/runtime/check.h"
#include "vitcuda/train/progress.h"

using namespace vit;

namespace {

// Collects what a Progress writes (open_memstream: a FILE* backed by memory).
class Capture {
 public:
  Capture() : file_(open_memstream(&buffer_, &size_)) {}
  ~Capture() {
    std::fclose(file_);
    std::free(buffer_);
  }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

train::ProgressOptions options(bool tty, const double* now) {
  train::ProgressOptions o;
  o.tty = tty;
  o.clock = [now] { return *now; };
  o.bar_width = 10;
  o.plain_every_steps = 10;
  o.plain_every_seconds = 5.0;
  return o;
}

}  // namespace

TEST_CASE("progress: durations print as mm:ss and h:mm:ss", "[progress]") {
  CHECK(train::Progress::format_duration(0) == "00:00");
  CHECK(train::Progress::format_duration(83.4) == "01:23");
  CHECK(train::Progress::format_duration(3599.4) == "59:59");
  CHECK(train::Progress::format_duration(3725) == "1:02:05");
  CHECK(train::Progress::format_duration(-3) == "00:00");
}

TEST_CASE("progress: a terminal line has the bar values img/s and ETA", "[progress]") {
  Capture out;
  double now = 100.0;
  train::Progress progress("epoch 1/3", 40, out.file(), options(true, &now));
  now = 110.0;  // 10 s for 10 steps: 30 steps left take 30 s
  progress.update(10, {{"loss", 0.53}, {"acc", 0.8125}}, 512.34);
  CHECK(out.text() == "\repoch 1/3 [##........] 10/40 loss 0.53 acc 0.8125 | 512.3 img/s | ETA 00:30");
}

TEST_CASE("progress: a terminal redraws at most every 0.1 s and always shows the last step", "[progress]") {
  Capture out;
  double now = 0.0;
  train::Progress progress("train", 4, out.file(), options(true, &now));
  now = 1.0;
  progress.update(1, {{"loss", 2.0}}, 10.0);
  now = 1.05;
  progress.update(2, {{"loss", 1.9}}, 10.0);  // too soon: skipped
  now = 1.2;
  progress.update(3, {{"loss", 1.8}}, 10.0);
  now = 1.21;
  progress.update(4, {{"loss", 1.7}}, 10.0);  // too soon, but the last step
  const std::string text = out.text();
  CHECK(text.find("2/4") == std::string::npos);
  CHECK(text == "\rtrain [##........] 1/4 loss 2 | 10.0 img/s | ETA 00:03"
                "\rtrain [#######...] 3/4 loss 1.8 | 10.0 img/s | ETA 00:00"
                "\rtrain [##########] 4/4 loss 1.7 | 10.0 img/s | ETA 00:00");
}

TEST_CASE("progress: a shorter terminal line is padded over the previous one", "[progress]") {
  Capture out;
  double now = 0.0;
  train::Progress progress("t", 2, out.file(), options(true, &now));
  now = 1.0;
  progress.update(1, {{"loss", 12.3456}}, 1000.0);
  now = 2.0;
  progress.update(2, {{"loss", 1.0}}, 1000.0);
  const std::string first = "\rt [#####.....] 1/2 loss 12.35 | 1000.0 img/s | ETA 00:01";
  const std::string second = "\rt [##########] 2/2 loss 1 | 1000.0 img/s | ETA 00:00";
  CHECK(out.text() == first + second + std::string(first.size() - second.size(), ' '));
}

TEST_CASE("progress: finish on a terminal ends the line with the elapsed time", "[progress]") {
  Capture out;
  double now = 0.0;
  train::Progress progress("val", 2, out.file(), options(true, &now));
  now = 1.0;
  progress.update(2, {{"acc", 0.5}}, 20.0);
  now = 75.0;
  progress.finish();
  progress.finish();  // once only
  CHECK(out.text() == "\rval [##########] 2/2 acc 0.5 | 20.0 img/s | ETA 00:00"
                      "\rval [##########] 2/2 acc 0.5 | 20.0 img/s | done in 01:15\n");
}

TEST_CASE("progress: plain mode prints every N steps or every few seconds and a final line", "[progress]") {
  Capture out;
  double now = 0.0;
  train::Progress progress("train", 25, out.file(), options(false, &now));
  for (int step = 1; step <= 25; ++step) {
    now = step <= 12 ? step * 0.1 : 1.2 + (step - 12) * 2.0;  // 2 s a step after step 12
    progress.update(step, {{"loss", 1.0}}, 100.0);
  }
  progress.finish();
  // step 10: 10 steps since the start; then every 5 s or more: steps 15 (7.2 s), 18, 21, 24.
  CHECK(out.text() == "train 10/25 loss 1 | 100.0 img/s | ETA 00:02\n"
                      "train 15/25 loss 1 | 100.0 img/s | ETA 00:05\n"
                      "train 18/25 loss 1 | 100.0 img/s | ETA 00:05\n"
                      "train 21/25 loss 1 | 100.0 img/s | ETA 00:04\n"
                      "train 24/25 loss 1 | 100.0 img/s | ETA 00:01\n"
                      "train 25/25 loss 1 | 100.0 img/s | done in 00:27\n");
}

TEST_CASE("progress: a null stream or negative total is refused", "[progress]") {
  CHECK_THROWS_AS(train::Progress("x", 3, nullptr), vit::Error);
  Capture out;
  CHECK_THROWS_WITH(train::Progress("x", -1, out.file()), Catch::Contains("must not be negative"));
}
