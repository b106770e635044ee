// Files a user names are checked before they are read: a FIFO or a device is refused at once
// (a FIFO used to block forever in open, /dev/zero to run out of memory), an image file over
// the size limit is refused, and a safetensors file whose header does not describe its size is
// refused after reading the header only (a 2 GB sparse file used to be read whole first). The
// JSON files (configs, states, class indices) are read the same way, with their own size limit.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "vitcuda/data/image.h"
#include "vitcuda/io/safetensors.h"
#include "vitcuda/runtime/input_file.h"

using namespace vit;
namespace fs = std::filesystem;

namespace {

fs::path fresh_path(const std::string& name) {
  const fs::path path = fs::temp_directory_path() / name;
  fs::remove(path);
  return path;
}

fs::path sparse_file(const std::string& name, std::uintmax_t bytes) {
  const fs::path path = fresh_path(name);
  std::ofstream(path).put('\0');
  fs::resize_file(path, bytes);
  return path;
}

}  // namespace

TEST_CASE("input file: a FIFO or a device is refused without blocking", "[io]") {
  const fs::path fifo = fresh_path("vit_fifo.safetensors");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(load_safetensors(fifo.string()), Catch::Contains("not a regular file"));
  CHECK_THROWS_WITH(data::read_file(fifo), Catch::Contains("not a regular file"));
  CHECK_THROWS_WITH(load_safetensors("/dev/zero"), Catch::Contains("not a regular file"));
  // The JSON readers (--config, config.json, class_indices.json, state.json) go through read_text_file.
  CHECK_THROWS_WITH(read_text_file(fifo, "config file"), Catch::Contains("not a regular file"));
  CHECK_THROWS_WITH(read_text_file("/dev/zero", "config file"), Catch::Contains("not a regular file"));
  fs::remove(fifo);
}

TEST_CASE("input file: size limits are checked before reading", "[io]") {
  const fs::path huge_image = sparse_file("vit_huge.png", data::kMaxImageFileBytes + 1);
  CHECK_THROWS_WITH(data::read_file(huge_image), Catch::Contains("over the limit"));
  fs::remove(huge_image);

  const fs::path zeros = sparse_file("vit_sparse.safetensors", std::uintmax_t{2} << 30);
  CHECK_THROWS_WITH(load_safetensors(zeros.string()), Catch::Contains("describes 0 bytes of tensor data"));
  fs::remove(zeros);

  const fs::path big_text = sparse_file("vit_big.json", kMaxTextFileBytes + 1);
  CHECK_THROWS_WITH(read_text_file(big_text, "config file"), Catch::Contains("over the limit"));
  fs::remove(big_text);
}

TEST_CASE("input file: reads exactly the bytes asked for", "[io]") {
  const fs::path path = fresh_path("vit_input_file.bin");
  std::ofstream(path, std::ios::binary) << "0123456789";
  const InputFile file(path, "test file");
  CHECK(file.size() == 10);
  char middle[4] = {};
  file.read(middle, 3, 4);
  CHECK(std::string(middle, 4) == "3456");
  CHECK_THROWS_WITH(file.read(middle, 8, 4), Catch::Contains("it has 10 bytes"));
  fs::remove(path);
}
