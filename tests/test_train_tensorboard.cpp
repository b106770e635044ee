// The TensorBoard writer checked by an independent reader: TFRecord framing with a bitwise CRC32C
// (not the library's table), and the Event/Summary protos decoded field by field.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "vitcuda/runtime/check.h"
#include "vitcuda/train/tensorboard.h"

using namespace vit;
namespace fs = std::filesystem;

namespace {

struct Event {
  double wall_time = 0;
  std::int64_t step = 0;
  std::string file_version;
  std::vector<std::pair<std::string, float>> scalars;
};

std::uint32_t bitwise_masked_crc32c(const std::string& bytes) {
  std::uint32_t crc = 0xffffffffu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
  }
  crc ^= 0xffffffffu;
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

class Cursor {
 public:
  explicit Cursor(std::string bytes) : bytes_(std::move(bytes)) {}
  bool done() const { return at_ == bytes_.size(); }
  std::string take(std::size_t n) {
    if (n > bytes_.size() - at_) throw std::runtime_error("truncated");
    std::string out = bytes_.substr(at_, n);
    at_ += n;
    return out;
  }
  std::uint64_t fixed(int n) {
    const std::string raw = take(n);
    std::uint64_t value = 0;
    for (int i = n - 1; i >= 0; --i) value = value << 8 | static_cast<unsigned char>(raw[i]);
    return value;
  }
  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const auto byte = static_cast<unsigned char>(take(1)[0]);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    throw std::runtime_error("varint too long");
  }
  std::string length_delimited() { return take(varint()); }

 private:
  std::string bytes_;
  std::size_t at_ = 0;
};

std::pair<std::string, float> decode_value(const std::string& bytes) {
  Cursor in(bytes);
  std::pair<std::string, float> value;
  while (!in.done()) {
    const std::uint64_t key = in.varint();
    if (key == (1 << 3 | 2)) {
      value.first = in.length_delimited();
    } else if (key == (2 << 3 | 5)) {
      const auto bits = static_cast<std::uint32_t>(in.fixed(4));
      std::memcpy(&value.second, &bits, 4);
    } else {
      throw std::runtime_error("unexpected Summary.Value key " + std::to_string(key));
    }
  }
  return value;
}

Event decode_event(const std::string& bytes) {
  Cursor in(bytes);
  Event event;
  while (!in.done()) {
    const std::uint64_t key = in.varint();
    if (key == (1 << 3 | 1)) {
      const std::uint64_t bits = in.fixed(8);
      std::memcpy(&event.wall_time, &bits, 8);
    } else if (key == (2 << 3 | 0)) {
      event.step = static_cast<std::int64_t>(in.varint());
    } else if (key == (3 << 3 | 2)) {
      event.file_version = in.length_delimited();
    } else if (key == (5 << 3 | 2)) {
      Cursor summary(in.length_delimited());
      while (!summary.done()) {
        if (summary.varint() != (1 << 3 | 2)) throw std::runtime_error("unexpected Summary key");
        event.scalars.push_back(decode_value(summary.length_delimited()));
      }
    } else {
      throw std::runtime_error("unexpected Event key " + std::to_string(key));
    }
  }
  return event;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Throws std::runtime_error on bad framing or a CRC mismatch.
std::vector<Event> read_events(const std::string& file_bytes) {
  Cursor in(file_bytes);
  std::vector<Event> events;
  while (!in.done()) {
    const std::string length_bytes = in.take(8);
    if (Cursor(in.take(4)).fixed(4) != bitwise_masked_crc32c(length_bytes)) {
      throw std::runtime_error("length CRC mismatch");
    }
    const std::string data = in.take(Cursor(length_bytes).fixed(8));
    if (Cursor(in.take(4)).fixed(4) != bitwise_masked_crc32c(data)) throw std::runtime_error("data CRC mismatch");
    events.push_back(decode_event(data));
  }
  return events;
}

std::vector<fs::path> event_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0) files.push_back(entry.path());
  }
  return files;
}

fs::path fresh_dir(const std::string& name) {
  // the process id keeps builds that run their tests at the same time apart
  const fs::path dir = fs::temp_directory_path() / (std::to_string(getpid()) + "_" + name);
  fs::remove_all(dir);
  return dir;
}

}  // namespace

TEST_CASE("tensorboard: crc32c matches the standard test vector", "[tensorboard]") {
  CHECK(train::crc32c("123456789", 9) == 0xe3069283u);
  CHECK(train::crc32c("", 0) == 0u);
  const std::string text = "The quick brown fox jumps over the lazy dog";
  CHECK(train::masked_crc32c(text.data(), text.size()) == bitwise_masked_crc32c(text));
}

TEST_CASE("tensorboard: an independent reader decodes the version record and scalars", "[tensorboard]") {
  const fs::path dir = fresh_dir("vit_tensorboard_scalars");
  const double before = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  fs::path file;
  {
    train::SummaryWriter writer(dir);
    file = writer.path();
    writer.add_scalar("train/loss", 2.25f, 0);
    writer.add_scalar("val/acc", 0.8125f, 3);
    writer.add_scalar("lr", 3e-4f, 1'000'000'000'000);
  }  // the destructor flushes
  REQUIRE(event_files(dir) == std::vector<fs::path>{file});
  CHECK(file.filename().string().find("events.out.tfevents.") == 0);

  const std::vector<Event> events = read_events(read_bytes(file));
  REQUIRE(events.size() == 4);
  CHECK(events[0].file_version == "brain.Event:2");
  CHECK(events[0].scalars.empty());
  CHECK(events[0].wall_time >= before - 1);
  CHECK(events[0].wall_time < before + 60);
  CHECK(events[1].scalars == std::vector<std::pair<std::string, float>>{{"train/loss", 2.25f}});
  CHECK(events[1].step == 0);
  CHECK(events[2].scalars == std::vector<std::pair<std::string, float>>{{"val/acc", 0.8125f}});
  CHECK(events[2].step == 3);
  CHECK(events[3].scalars == std::vector<std::pair<std::string, float>>{{"lr", 3e-4f}});
  CHECK(events[3].step == 1'000'000'000'000);
  for (const Event& event : events) CHECK(event.wall_time >= events[0].wall_time);
  fs::remove_all(dir);
}

TEST_CASE("tensorboard: a corrupted byte fails the reader's CRC check", "[tensorboard]") {
  const fs::path dir = fresh_dir("vit_tensorboard_corrupt");
  fs::path file;
  {
    train::SummaryWriter writer(dir);
    file = writer.path();
    writer.add_scalar("train/loss", 1.5f, 7);
  }
  const std::string good = read_bytes(file);
  REQUIRE(read_events(good).size() == 2);
  std::string bad = good;
  bad[bad.size() - 6] ^= 0x01;  // inside the float of the last record
  CHECK_THROWS_WITH(read_events(bad), "data CRC mismatch");
  bad = good;
  bad[0] ^= 0x01;  // the first record's length
  CHECK_THROWS_WITH(read_events(bad), "length CRC mismatch");
  fs::remove_all(dir);
}

TEST_CASE("tensorboard: reopening a run folder adds a new file and keeps the old one", "[tensorboard]") {
  const fs::path dir = fresh_dir("vit_tensorboard_resume");
  fs::path first;
  {
    train::SummaryWriter writer(dir);
    first = writer.path();
    writer.add_scalar("train/loss", 1.0f, 1);
  }
  const std::string first_bytes = read_bytes(first);
  {
    train::SummaryWriter writer(dir);  // usually within the same second: needs the ".1" suffix
    CHECK(writer.path() != first);
    writer.add_scalar("train/loss", 0.5f, 2);
    writer.flush();
    const std::vector<Event> events = read_events(read_bytes(writer.path()));
    REQUIRE(events.size() == 2);
    CHECK(events[1].step == 2);
  }
  CHECK(read_bytes(first) == first_bytes);
  CHECK(event_files(dir).size() == 2);
  fs::remove_all(dir);
}

TEST_CASE("tensorboard: an unusable run folder is a clear error", "[tensorboard]") {
  const fs::path blocker = fresh_dir("vit_tensorboard_blocker");
  std::ofstream(blocker) << "a file, not a folder";
  CHECK_THROWS_AS(train::SummaryWriter(blocker / "run"), vit::Error);
  CHECK_THROWS_WITH(train::SummaryWriter(blocker / "run"), Catch::Contains("vit_tensorboard_blocker"));
  fs::remove(blocker);
}

// Not run by default: tests/tensorboard/check_with_tensorboard.sh runs it to write the run folder
// that TensorBoard's own reader then checks (the values are repeated in read_events.py).
TEST_CASE("tensorboard: write the run folder for the Python check", "[.tensorboard_python]") {
  const char* dir = std::getenv("VIT_TENSORBOARD_CHECK_DIR");
  REQUIRE(dir != nullptr);
  for (int session = 0; session < 2; ++session) {  // a run and its resumption: two files
    train::SummaryWriter writer(dir);
    for (int step = session * 3; step < session * 3 + 3; ++step) {
      writer.add_scalar("train/loss", 1.0f / static_cast<float>(step + 1), step);
      writer.add_scalar("val/acc", 0.125f * static_cast<float>(step), step);
    }
  }
}
