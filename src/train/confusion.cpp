#include "vitcuda/train/confusion.h"

#include "train/csv.h"
#include "vitcuda/io/durable_file.h"
#include "vitcuda/runtime/check.h"

namespace vit::train {

ConfusionMatrix::ConfusionMatrix(int classes)
    : classes_(classes), counts_(static_cast<std::size_t>(classes > 0 ? classes * classes : 0)) {
  VIT_CHECK(classes > 0, "ConfusionMatrix: the number of classes must be positive, got ", classes, ".");
}

void ConfusionMatrix::add(int truth, int predicted, std::int64_t count) {
  VIT_CHECK(truth >= 0 && truth < classes_ && predicted >= 0 && predicted < classes_,
            "ConfusionMatrix::add: classes must be in [0, ", classes_, "), got truth ", truth,
            " and prediction ", predicted, ".");
  VIT_CHECK(count >= 0, "ConfusionMatrix::add: a count cannot be negative, got ", count, ".");
  counts_[static_cast<std::size_t>(truth * classes_ + predicted)] += count;
  total_ += count;
}

std::int64_t ConfusionMatrix::count(int truth, int predicted) const {
  VIT_CHECK(truth >= 0 && truth < classes_ && predicted >= 0 && predicted < classes_,
            "ConfusionMatrix::count: classes must be in [0, ", classes_, ").");
  return counts_[static_cast<std::size_t>(truth * classes_ + predicted)];
}

double ConfusionMatrix::accuracy() const {
  if (total_ == 0) return 0.0;
  std::int64_t correct = 0;
  for (int c = 0; c < classes_; ++c) correct += count(c, c);
  return static_cast<double>(correct) / static_cast<double>(total_);
}

void ConfusionMatrix::write_csv(const std::filesystem::path& path,
                                const std::vector<std::string>& class_names) const {
  VIT_CHECK(class_names.size() == static_cast<std::size_t>(classes_), "ConfusionMatrix::write_csv: got ",
            class_names.size(), " class names for ", classes_, " classes.");
  write_file_atomically(path, [&](std::ostream& out) {
    out << "truth\\predicted";
    for (const std::string& name : class_names) out << ',' << csv_field(name);
    out << '\n';
    for (int truth = 0; truth < classes_; ++truth) {
      out << csv_field(class_names[static_cast<std::size_t>(truth)]);
      for (int predicted = 0; predicted < classes_; ++predicted) out << ',' << count(truth, predicted);
      out << '\n';
    }
  });
}

}  // namespace vit::train
