#pragma once
// A training progress display. On a terminal: one line redrawn in place (at most every
// redraw_seconds) with a bar, step/total, the named values, img/s and the ETA. Elsewhere (pipes,
// CI, log files): a plain line every plain_every_steps steps or plain_every_seconds, whichever
// comes first. finish() prints the summary line either way.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vit::train {

struct ProgressOptions {
  std::optional<bool> tty;              // unset: isatty() of the output
  std::function<double()> clock;        // seconds from any origin; unset: std::chrono::steady_clock
  double redraw_seconds = 0.1;          // terminal: at most ~10 redraws per second
  std::int64_t plain_every_steps = 100;
  double plain_every_seconds = 30.0;
  int bar_width = 30;
};

class Progress {
 public:
  using Values = std::vector<std::pair<std::string, double>>;

  Progress(std::string label, std::int64_t total_steps, std::FILE* out, ProgressOptions options = {});

  // `step` counts the steps done so far (1 after the first); the ETA extrapolates the time per
  // step since construction.
  void update(std::int64_t step, const Values& values, double images_per_second);
  // Whether update(step, ...) would draw now: values that cost a wait for the device (a loss
  // summed on the GPU) are read only then.
  bool due(std::int64_t step) const;
  // The final line: last values, img/s and the elapsed time; later calls print nothing.
  void finish();

  static std::string format_duration(double seconds);  // mm:ss, or h:mm:ss from one hour

 private:
  std::string line(bool with_bar, const std::string& timing) const;
  void draw_terminal(const std::string& text, bool final);

  std::string label_;
  std::int64_t total_;
  std::FILE* out_;
  ProgressOptions options_;
  bool tty_;
  double start_;
  double last_draw_ = 0;
  bool drawn_ = false;
  std::int64_t last_plain_step_ = 0;
  std::size_t last_width_ = 0;  // terminal: pad a shorter line over the previous one
  bool finished_ = false;
  std::int64_t step_ = 0;
  Values values_;
  double images_per_second_ = 0;
};

}  // namespace vit::train
