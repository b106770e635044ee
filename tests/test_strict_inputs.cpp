// Hand-written or odd inputs get one clear sentence instead of a wrong value or a raw library
// error: config values of the wrong kind or range, class folders whose names are not UTF-8,
// and broken class_indices.json files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "vitcuda/data/image_folder.h"
#include "vitcuda/train/train_config.h"

using namespace vit;
namespace fs = std::filesystem;

TEST_CASE("config file: values keep their kind and range", "[train]") {
  const auto refused = [](const char* text, const char* message) {
    INFO(text);
    CHECK_THROWS_WITH(train::TrainConfig::from_json(text, train::TrainConfig{}), Catch::Contains(message));
  };
  refused(R"({"epochs": 1.5})", "'epochs' must be a whole number, got 1.5");
  refused(R"({"epochs": 3e9})", "'epochs' must be a whole number");
  refused(R"({"batch_size": 3000000000})", "'batch_size' = 3000000000 is out of range");
  refused(R"({"seed": -1})", "'seed' = -1 is out of range");
  refused(R"({"lr": "big"})", "'lr' must be a number");
  refused(R"({"lr": 1e39})", "'lr' = 1e+39 is out of range");  // was infinity, written back as null
  refused(R"({"device": 3})", "'device' must be a string");
  refused(R"({"eval_only": 1})", "'eval_only' must be a boolean");
  const train::TrainConfig ok = train::TrainConfig::from_json(R"({"epochs": 7, "lr": 1, "seed": 5})", {});
  CHECK(ok.epochs == 7);
  CHECK(ok.lr == 1.0f);
  CHECK(ok.seed == 5);
}

TEST_CASE("image folder: a class folder name that is not UTF-8 is refused by name", "[data]") {
  const fs::path root = fs::temp_directory_path() / "vit_not_utf8";
  fs::remove_all(root);
  fs::create_directories(root / "good");
  fs::create_directories(root / "bad\xff\xfe");
  std::ofstream(root / "good" / "x.png") << "x";
  CHECK_THROWS_WITH(data::ImageFolder::scan(root, {.val_split = 0.5}), Catch::Contains("is not valid UTF-8"));
  fs::remove_all(root);
}

TEST_CASE("class_indices.json: read back, and broken files named", "[data]") {
  const fs::path dir = fs::temp_directory_path() / "vit_class_indices";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto write = [&](const char* text) { std::ofstream(dir / "class_indices.json", std::ios::trunc) << text; };
  write(R"({"1": "dog", "0": "cat"})");
  CHECK(data::ImageFolder::read_class_indices(dir) == std::vector<std::string>{"cat", "dog"});
  for (const char* bad : {R"({"x": "cat"})", R"({"0": "cat", "2": "dog"})", R"({"0": 5})", R"({"-1": "cat"})",
                          R"(["cat"])", "not json", "{}",
                          R"({"0": "cat", "00": "dog"})", R"({"1": "cat", "01": "dog"})"}) {
    INFO(bad);
    write(bad);
    CHECK_THROWS_WITH(data::ImageFolder::read_class_indices(dir), Catch::Contains("class_indices.json"));
  }
  fs::remove_all(dir);
}
