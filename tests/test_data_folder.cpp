// The image-folder index: classes, labels, file filtering, the stratified split, the errors and
// class_indices.json. Files here are never decoded, so empty files stand in for images.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "data_fixtures.h"
#include "vitcuda/data/image_folder.h"
#include "vitcuda/runtime/check.h"

using namespace vit;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& path) {
  fs::create_directories(path.parent_path());
  test::write_text(path, "");
}

void make_class(const fs::path& dir, int count) {
  for (int i = 0; i < count; ++i) touch(dir / ("img" + std::to_string(i) + (i % 2 ? ".png" : ".jpg")));
}

std::vector<std::string> names(const std::vector<data::Sample>& samples) {
  std::vector<std::string> out;
  for (const auto& s : samples) out.push_back(fs::path(s.path).parent_path().filename().string() + "/" +
                                              fs::path(s.path).filename().string());
  return out;
}

}  // namespace

TEST_CASE("image folder: classes sorted and files indexed with labels", "[data][folder]") {
  test::TempDir dir;
  touch(dir / "zebra" / "b.JPG");
  touch(dir / "zebra" / "a.jpeg");
  touch(dir / "zebra" / "notes.txt");
  touch(dir / "zebra" / ".hidden.jpg");
  touch(dir / "Ant" / "x.Png");
  touch(dir / "cat" / "y.BMP");
  touch(dir / "cat" / "z.gif");
  touch(dir / ".cache" / "w.jpg");
  touch(dir / "readme.jpg");  // a file at the top is not a class
  const auto folder = data::ImageFolder::scan(dir.path());
  CHECK(folder.classes() == std::vector<std::string>{"Ant", "cat", "zebra"});
  CHECK(names(folder.train()) == std::vector<std::string>{"Ant/x.Png", "cat/y.BMP", "zebra/a.jpeg", "zebra/b.JPG"});
  std::vector<int> labels;
  for (const auto& s : folder.train()) labels.push_back(s.label);
  CHECK(labels == std::vector<int>{0, 1, 2, 2});
  CHECK(folder.val().empty());
  CHECK(data::is_image_file_name("a.JpEg"));
  CHECK_FALSE(data::is_image_file_name("a.jpg.txt"));
}

TEST_CASE("image folder: train and val folders share the class indices", "[data][folder]") {
  test::TempDir dir;
  make_class(dir / "train" / "a", 2);
  make_class(dir / "train" / "b", 3);
  make_class(dir / "train" / "c", 1);
  make_class(dir / "val" / "c", 2);
  make_class(dir / "val" / "a", 1);
  const auto folder = data::ImageFolder::scan(dir.path());
  CHECK(folder.classes() == std::vector<std::string>{"a", "b", "c"});
  CHECK(folder.train().size() == 6);
  REQUIRE(folder.val().size() == 3);
  CHECK(folder.val()[0].label == 0);
  CHECK(folder.val()[1].label == 2);
  CHECK(folder.val()[2].label == 2);
  CHECK_THROWS_WITH(data::ImageFolder::scan(dir.path(), {.val_split = 0.2}), Catch::Contains("already has a val/"));
  make_class(dir / "val" / "d", 1);
  CHECK_THROWS_WITH(data::ImageFolder::scan(dir.path()), Catch::Contains("no counterpart in train/"));
}

TEST_CASE("image folder: the val split is stratified and seeded", "[data][folder]") {
  test::TempDir dir;
  make_class(dir / "a", 10);
  make_class(dir / "b", 5);
  make_class(dir / "c", 1);
  const auto folder = data::ImageFolder::scan(dir.path(), {.val_split = 0.2, .seed = 7});
  std::map<int, int> val_per_class, train_per_class;
  for (const auto& s : folder.val()) ++val_per_class[s.label];
  for (const auto& s : folder.train()) ++train_per_class[s.label];
  CHECK(val_per_class == std::map<int, int>{{0, 2}, {1, 1}});  // round(0.2 n); the lone image stays in train
  CHECK(train_per_class == std::map<int, int>{{0, 8}, {1, 4}, {2, 1}});
  std::set<std::string> all;
  for (const auto& s : folder.train()) all.insert(s.path);
  for (const auto& s : folder.val()) all.insert(s.path);
  CHECK(all.size() == 16);  // a partition

  const auto again = data::ImageFolder::scan(dir.path(), {.val_split = 0.2, .seed = 7});
  CHECK(names(again.val()) == names(folder.val()));
  bool any_differs = false;
  for (std::uint64_t seed = 8; seed < 12; ++seed) {
    any_differs |= names(data::ImageFolder::scan(dir.path(), {.val_split = 0.2, .seed = seed}).val()) != names(folder.val());
  }
  CHECK(any_differs);
  const auto half = data::ImageFolder::scan(dir.path(), {.val_split = 0.5, .seed = 7});
  CHECK(half.val().size() == 5 + 3);  // halves round away from zero: 2.5 -> 3
}

TEST_CASE("image folder: missing root and empty folders are clear errors", "[data][folder]") {
  test::TempDir dir;
  CHECK_THROWS_WITH(data::ImageFolder::scan(dir / "nope"), Catch::Contains("does not exist"));
  CHECK_THROWS_WITH(data::ImageFolder::scan(dir.path()), Catch::Contains("has no class sub-folders"));
  make_class(dir / "full", 2);
  fs::create_directories(dir / "empty");
  touch(dir / "empty" / "readme.txt");
  CHECK_THROWS_WITH(data::ImageFolder::scan(dir.path()), Catch::Contains("empty' holds no .jpg"));
  CHECK_THROWS_WITH(data::ImageFolder::scan(dir.path(), {.val_split = 1.0}), Catch::Contains("val_split"));
}

TEST_CASE("image folder: class_indices.json maps index to name", "[data][folder]") {
  test::TempDir dir;
  make_class(dir / "data" / "dog", 1);
  make_class(dir / "data" / "cat", 1);
  data::ImageFolder::scan(dir / "data").write_class_indices(dir / "run");
  std::ifstream in(dir / "run" / "class_indices.json");
  const nlohmann::json json = nlohmann::json::parse(in);
  CHECK(json == nlohmann::json{{"0", "cat"}, {"1", "dog"}});
  CHECK_FALSE(fs::exists(dir / "run" / "class_indices.json.tmp"));
}
