// The image-folder index: class folders, file lists, the stratified split, class_indices.json.
#include "vitcuda/data/image_folder.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

#include "data/random.h"
#include "vitcuda/io/durable_file.h"
#include "vitcuda/runtime/check.h"
#include "vitcuda/runtime/input_file.h"

namespace vit::data {

namespace fs = std::filesystem;

namespace {

bool is_hidden(const fs::path& path) { return path.filename().string().starts_with("."); }

// Sub-folder names of `dir`, sorted (byte order, like Python's sorted()).
std::vector<std::string> class_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory() || is_hidden(entry.path())) continue;
    std::string name = entry.path().filename().string();
    try {  // class names go into class_indices.json, which holds UTF-8 only
      (void)nlohmann::json(name).dump();
    } catch (const nlohmann::json::exception&) {
      VIT_FAIL("class folder '", entry.path().string(), "' has a name that is not valid UTF-8: rename it.");
    }
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Image files of one class folder, sorted by name.
std::vector<std::string> image_files(const fs::path& dir) {
  std::vector<std::string> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && !is_hidden(entry.path()) && is_image_file_name(entry.path())) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  VIT_CHECK(!files.empty(), "class folder '", dir.string(),
            "' holds no .jpg, .jpeg, .png or .bmp file; add images or remove the folder.");
  return files;
}

void append(std::vector<Sample>& samples, const std::vector<std::string>& files, std::int32_t label) {
  for (const std::string& file : files) samples.push_back({file, label});
}

// Moves round(val_split * n) files of each class to val (at least one stays in train),
// chosen by a seeded permutation per class; both parts keep the sorted file order.
void split_class(const std::vector<std::string>& files, std::int32_t label, const FolderOptions& options,
                 std::vector<Sample>& train, std::vector<Sample>& val) {
  const auto n = static_cast<std::int64_t>(files.size());
  const std::int64_t n_val = std::min<std::int64_t>(std::llround(options.val_split * n), n - 1);
  const std::vector<std::int64_t> order =
      detail::permutation(n, detail::KeyedRandom(options.seed, detail::Stream::split, label));
  std::vector<bool> to_val(files.size(), false);
  for (std::int64_t i = 0; i < n_val; ++i) to_val[order[i]] = true;
  for (std::int64_t i = 0; i < n; ++i) (to_val[i] ? val : train).push_back({files[i], label});
}

}  // namespace

bool is_image_file_name(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".jpg" || extension == ".jpeg" || extension == ".png" || extension == ".bmp";
}

ImageFolder ImageFolder::scan(const fs::path& root, const FolderOptions& options) {
  VIT_CHECK(options.val_split >= 0.0 && options.val_split < 1.0, "val_split must be in [0, 1), got ",
            options.val_split, ".");
  VIT_CHECK(fs::is_directory(root), "image folder '", root.string(),
            "' does not exist; pass a folder with one sub-folder per class (or train/ and val/ ones).");
  const bool has_train = fs::is_directory(root / "train");
  const bool has_val = has_train && fs::is_directory(root / "val");
  VIT_CHECK(!(has_val && options.val_split > 0.0), "image folder '", root.string(),
            "' already has a val/ folder; drop the val split or remove val/.");
  const fs::path train_dir = has_train ? root / "train" : root;

  ImageFolder folder;
  folder.classes_ = class_names(train_dir);
  VIT_CHECK(!folder.classes_.empty(), "image folder '", train_dir.string(),
            "' has no class sub-folders; expected <folder>/<class>/*.jpg or <folder>/train/<class>/*.jpg.");
  for (std::size_t label = 0; label < folder.classes_.size(); ++label) {
    const auto files = image_files(train_dir / folder.classes_[label]);
    if (options.val_split > 0.0) {
      split_class(files, static_cast<std::int32_t>(label), options, folder.train_, folder.val_);
    } else {
      append(folder.train_, files, static_cast<std::int32_t>(label));
    }
  }
  if (has_val) {
    for (const std::string& name : class_names(root / "val")) {
      const auto known = std::find(folder.classes_.begin(), folder.classes_.end(), name);
      VIT_CHECK(known != folder.classes_.end(), "class folder '", (root / "val" / name).string(),
                "' has no counterpart in train/; the two must have the same classes.");
      append(folder.val_, image_files(root / "val" / name),
             static_cast<std::int32_t>(known - folder.classes_.begin()));
    }
  }
  return folder;
}

void ImageFolder::write_class_indices(const fs::path& run_dir) const {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < classes_.size(); ++i) json[std::to_string(i)] = classes_[i];
  fs::create_directories(run_dir);
  write_file_atomically(run_dir / "class_indices.json", [&](std::ostream& out) { out << json.dump(2) << "\n"; });
}

std::vector<std::string> ImageFolder::read_class_indices(const fs::path& run_dir) {
  const fs::path path = run_dir / "class_indices.json";
  VIT_CHECK(fs::exists(path), "cannot read '", path.string(),
            "': it is missing (it sits beside the checkpoint in a vit_train run folder).");
  return parse_class_indices(read_text_file(path, "class indices"), path.string());
}

std::vector<std::string> ImageFolder::parse_class_indices(const std::string& text, const std::string& source) {
  const nlohmann::json indices = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  VIT_CHECK(indices.is_object() && !indices.empty(), "'", source,
            "' is not a JSON object of class indices and names.");
  std::vector<std::string> names(indices.size());
  for (const auto& [index, name] : indices.items()) {
    std::size_t i = 0;
    const auto [end, error] = std::from_chars(index.data(), index.data() + index.size(), i);
    // Canonical decimal only: "0" and "00" would otherwise both fill index 0 and leave a gap.
    const bool valid = error == std::errc() && end == index.data() + index.size() && i < names.size() &&
                       std::to_string(i) == index && name.is_string();
    VIT_CHECK(valid, "'", source, "' maps '", index, "' to ", name.dump(), ": expected the indices 0 to ",
              names.size() - 1, " mapped to class names.");
    names[i] = name.get<std::string>();
  }
  return names;
}

std::vector<Sample> list_images(const std::vector<std::string>& inputs) {
  std::vector<Sample> samples;
  for (const std::string& input : inputs) {
    VIT_CHECK(fs::exists(input), "'", input, "' does not exist.");
    if (!fs::is_directory(input)) {
      samples.push_back({input, 0});
      continue;
    }
    std::vector<std::string> found;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(input)) {
      if (entry.is_regular_file() && !is_hidden(entry.path()) && is_image_file_name(entry.path())) {
        found.push_back(entry.path().string());
      }
    }
    std::sort(found.begin(), found.end());
    for (std::string& path : found) samples.push_back({std::move(path), 0});
  }
  VIT_CHECK(!samples.empty(), "no images found in the given inputs (.jpg, .jpeg, .png, .bmp).");
  return samples;
}

}  // namespace vit::data
