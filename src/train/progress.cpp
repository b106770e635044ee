#include "vitcuda/train/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "vitcuda/runtime/check.h"

namespace vit::train {

namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string format_number(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

}  // namespace

Progress::Progress(std::string label, std::int64_t total_steps, std::FILE* out, ProgressOptions options)
    : label_(std::move(label)), total_(total_steps), out_(out), options_(std::move(options)) {
  VIT_CHECK(out_ != nullptr, "Progress '", label_, "': the output stream is null.");
  VIT_CHECK(total_ >= 0, "Progress '", label_, "': total steps must not be negative, got ", total_, ".");
  if (!options_.clock) options_.clock = steady_seconds;
  tty_ = options_.tty.value_or(isatty(fileno(out_)) == 1);
  start_ = options_.clock();
  last_draw_ = start_;
}

std::string Progress::format_duration(double seconds) {
  const auto total = static_cast<std::int64_t>(std::llround(std::max(0.0, seconds)));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof(text), "%lld:%02lld:%02lld", static_cast<long long>(total / 3600),
                  static_cast<long long>(total / 60 % 60), static_cast<long long>(total % 60));
  } else {
    std::snprintf(text, sizeof(text), "%02lld:%02lld", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  }
  return text;
}

std::string Progress::line(bool with_bar, const std::string& timing) const {
  std::string text = label_ + " ";
  if (with_bar) {
    const double fraction =
        total_ > 0 ? std::min(1.0, static_cast<double>(step_) / static_cast<double>(total_)) : 1.0;
    const auto filled = static_cast<int>(fraction * options_.bar_width);
    text += '[';
    text.append(static_cast<std::size_t>(filled), '#');
    text.append(static_cast<std::size_t>(options_.bar_width - filled), '.');
    text += "] ";
  }
  text += std::to_string(step_) + "/" + std::to_string(total_);
  for (const auto& [name, value] : values_) {
    text += ' ';
    text += name + " " + format_number("%.4g", value);
  }
  return text + " | " + format_number("%.1f", images_per_second_) + " img/s | " + timing;
}

bool Progress::due(std::int64_t step) const {
  if (finished_) return false;
  const double now = options_.clock();
  return tty_ ? !drawn_ || step >= total_ || now - last_draw_ >= options_.redraw_seconds
              : step - last_plain_step_ >= options_.plain_every_steps ||
                    now - last_draw_ >= options_.plain_every_seconds;
}

void Progress::update(std::int64_t step, const Values& values, double images_per_second) {
  if (finished_) return;
  const bool draw = due(step);
  step_ = step;  // finish() shows the latest values, drawn or not
  values_ = values;
  images_per_second_ = images_per_second;
  if (!draw) return;
  const double now = options_.clock();
  const double elapsed = now - start_;
  const double eta =
      step_ > 0 ? elapsed / static_cast<double>(step_) * static_cast<double>(total_ - step_) : 0.0;
  const std::string text = line(tty_, "ETA " + format_duration(eta));
  drawn_ = true;
  last_draw_ = now;
  last_plain_step_ = step_;
  if (tty_) {
    draw_terminal(text, false);
  } else {
    std::fprintf(out_, "%s\n", text.c_str());
  }
  std::fflush(out_);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  const std::string text = line(tty_, "done in " + format_duration(options_.clock() - start_));
  if (tty_) {
    draw_terminal(text, true);
  } else {
    std::fprintf(out_, "%s\n", text.c_str());
  }
  std::fflush(out_);
}

void Progress::draw_terminal(const std::string& text, bool final) {
  const std::size_t padding = last_width_ > text.size() ? last_width_ - text.size() : 0;
  std::fprintf(out_, "\r%s%s%s", text.c_str(), std::string(padding, ' ').c_str(), final ? "\n" : "");
  last_width_ = text.size();
}

}  // namespace vit::train
