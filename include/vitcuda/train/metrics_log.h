#pragma once
// metrics.csv: one row per epoch, flushed as soon as it is appended so a crash loses nothing
// already logged. A resumed run appends to the existing file when its header is the same.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace vit::train {

class MetricsLog {
 public:
  // Writes the header line to a new (or empty) file; an existing file must have the same columns.
  MetricsLog(const std::filesystem::path& path, std::vector<std::string> columns);

  // One value per column, in the columns' order; integers print without a decimal point.
  void append(const std::vector<double>& row);

  const std::vector<std::string>& columns() const { return columns_; }

 private:
  void write(const std::string& text);

  struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::filesystem::path path_;
  std::vector<std::string> columns_;
  std::unique_ptr<std::FILE, FileCloser> file_;
};

}  // namespace vit::train
