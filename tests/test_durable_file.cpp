// write_file_atomically, behind config.json, class_indices.json, confusion matrices, checkpoint
// states and every safetensors file: a write that fails (here a full disk, through the file-size
// limit) leaves the old file as it was and no temporary behind. config.json used to be replaced by
// an empty file when the disk filled up during a resumed run: the error only showed when the
// stream was closed, after the check.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "data_fixtures.h"
#include "vitcuda/io/durable_file.h"
#include "vitcuda/runtime/check.h"

using namespace vit;
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Files may grow to `bytes` while it lives: past it a write fails with EFBIG, as on a full disk.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    std::signal(SIGXFSZ, SIG_IGN);  // else the kernel stops the process at the limit
    getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
};

}  // namespace

TEST_CASE("durable file: a new file replaces the old one whole", "[io]") {
  test::TempDir dir;
  const fs::path path = dir / "config.json";
  write_file_atomically(path, [](std::ostream& out) { out << "old"; });
  write_file_atomically(path, [](std::ostream& out) { out << "new text"; });
  CHECK(read_all(path) == "new text");
  CHECK_FALSE(fs::exists(dir / "config.json.tmp"));
}

TEST_CASE("durable file: a write the disk cannot take keeps the old file", "[io]") {
  test::TempDir dir;
  const fs::path path = dir / "config.json";
  write_file_atomically(path, [](std::ostream& out) { out << "old"; });
  {
    const FileSizeLimit full(100);
    // Smaller than the stream's buffer: nothing fails until the flush.
    CHECK_THROWS_WITH(write_file_atomically(path, [](std::ostream& out) { out << std::string(1000, 'x'); }),
                      Catch::Contains("failed (disk full?)"));
    CHECK_THROWS_AS(write_file_atomically(path, [](std::ostream& out) { out << std::string(100000, 'x'); }), Error);
  }
  CHECK(read_all(path) == "old");
  CHECK_FALSE(fs::exists(dir / "config.json.tmp"));
}
