#pragma once
// Confusion matrix of a classifier: counts[truth][predicted].
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vit::train {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int classes);

  void add(int truth, int predicted, std::int64_t count = 1);
  std::int64_t count(int truth, int predicted) const;
  std::int64_t total() const { return total_; }
  int classes() const { return classes_; }
  double accuracy() const;  // the diagonal over the total; 0 when nothing was added

  // Rows are true classes, columns predicted ones, both named by class_names. Written to a
  // temporary file renamed over `path`, so a crash keeps the previous matrix whole.
  void write_csv(const std::filesystem::path& path, const std::vector<std::string>& class_names) const;

 private:
  int classes_;
  std::int64_t total_ = 0;
  std::vector<std::int64_t> counts_;  // [truth * classes + predicted]
};

}  // namespace vit::train
