#include "vitcuda/train/metrics_log.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "train/csv.h"
#include "vitcuda/runtime/check.h"

namespace vit::train {

namespace {

std::string header_line(const std::vector<std::string>& columns) {
  std::string line;
  for (const std::string& column : columns) {
    if (!line.empty()) line += ',';
    line += csv_field(column);
  }
  return line;
}

}  // namespace

MetricsLog::MetricsLog(const std::filesystem::path& path, std::vector<std::string> columns)
    : path_(path), columns_(std::move(columns)) {
  VIT_CHECK(!columns_.empty(), "metrics log '", path_.string(), "': give at least one column.");
  const std::string header = header_line(columns_);
  std::string existing;
  {
    std::ifstream in(path_, std::ios::binary);
    existing.assign(std::istreambuf_iterator<char>(in), {});
  }
  if (!existing.empty()) {
    const std::string found = existing.substr(0, existing.find('\n'));
    VIT_CHECK(found == header, "cannot append to '", path_.string(), "': its columns are '", found,
              "' but this run logs '", header, "'; use another output folder or move the file away.");
  }
  file_.reset(std::fopen(path_.c_str(), "ab"));
  VIT_CHECK(file_ != nullptr, "cannot open '", path_.string(), "' for appending: ", std::strerror(errno), ".");
  if (existing.empty()) {
    write(header + "\n");
  } else if (existing.back() != '\n') {
    write("\n");  // a row cut short by a crash stays on its own line instead of merging with the next
  }
}

void MetricsLog::append(const std::vector<double>& row) {
  VIT_CHECK(row.size() == columns_.size(), "metrics log '", path_.string(), "': got ", row.size(),
            " values for ", columns_.size(), " columns.");
  std::string line;
  for (std::size_t i = 0; i < row.size(); ++i) {
    char number[32];
    std::snprintf(number, sizeof(number), "%.9g", row[i]);  // 9 digits: every float round-trips
    if (i > 0) line += ',';
    line += number;
  }
  write(line + "\n");
}

void MetricsLog::write(const std::string& text) {
  const bool written = std::fwrite(text.data(), 1, text.size(), file_.get()) == text.size() &&
                       std::fflush(file_.get()) == 0;
  VIT_CHECK(written, "writing '", path_.string(), "' failed: ", std::strerror(errno), ".");
}

}  // namespace vit::train
