#pragma once
// The dataset index: which files belong to which class, and the train/val split. Only paths
// and labels are kept in memory; images are decoded by the Loader when a batch needs them.
//
// Layouts (classes are the sub-folder names, sorted; files sorted by name):
//   root/train/<class>/*  and optionally  root/val/<class>/*
//   root/<class>/*        split per class by `val_split` (stratified, seeded)
// Image files: .jpg .jpeg .png .bmp in any letter case; other files and hidden entries are
// ignored. A missing root, no class folder or a class folder with no image is an error.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vit::data {

struct Sample {
  std::string path;
  std::int32_t label = 0;
};

struct FolderOptions {
  // Fraction of each class moved to val when the folder has no val/ (0 <= val_split < 1).
  // Each class keeps at least one training image.
  double val_split = 0.0;
  std::uint64_t seed = 0;
};

class ImageFolder {
 public:
  static ImageFolder scan(const std::filesystem::path& root, const FolderOptions& options = {});

  const std::vector<std::string>& classes() const { return classes_; }
  const std::vector<Sample>& train() const { return train_; }
  const std::vector<Sample>& val() const { return val_; }

  // Writes run_dir/class_indices.json, {"0": "cat", "1": "dog"}, atomically.
  void write_class_indices(const std::filesystem::path& run_dir) const;
  // The class names a run folder's class_indices.json holds, by index (what vit_predict prints).
  static std::vector<std::string> read_class_indices(const std::filesystem::path& run_dir);
  // The same from the file's text; `source` names it in errors. Each index 0..n-1 appears once,
  // written as write_class_indices writes it ("7", not "07").
  static std::vector<std::string> parse_class_indices(const std::string& text, const std::string& source);

 private:
  std::vector<std::string> classes_;
  std::vector<Sample> train_, val_;
};

bool is_image_file_name(const std::filesystem::path& path);

// The images named on a command line: a file as it is, a folder's image files (recursively,
// hidden ones skipped) sorted by path. A missing path, or no image at all, throws.
std::vector<Sample> list_images(const std::vector<std::string>& inputs);

}  // namespace vit::data
