// TensorBoard event writer. The protos written (tensorflow/core/util/event.proto, summary.proto):
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }   Value { string tag = 1; float simple_value = 2; }
#include "vitcuda/train/tensorboard.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "vitcuda/runtime/check.h"

namespace vit::train {

namespace {

constexpr std::array<std::uint32_t, 256> make_crc32c_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    table[i] = crc;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> kCrc32cTable = make_crc32c_table();

// Protobuf wire format: keys are (field << 3 | wire type), little-endian fixed-width numbers.
enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_key(std::string& out, std::uint32_t field, WireType type) { put_varint(out, field << 3 | type); }

template <typename T>
void put_little_endian(std::string& out, T value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void put_bytes(std::string& out, std::uint32_t field, const std::string& bytes) {
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out += bytes;
}

std::string event_header(std::int64_t step) {
  const double wall_time =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string event;
  put_key(event, 1, kFixed64);
  put_little_endian(event, wall_time);
  put_key(event, 2, kVarint);
  put_varint(event, static_cast<std::uint64_t>(step));  // negative steps: ten-byte varint, as protobuf does
  return event;
}

std::string hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

std::uint32_t crc32c(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::uint32_t crc = 0xffffffffu;
  for (std::size_t i = 0; i < size; ++i) crc = kCrc32cTable[(crc ^ bytes[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

std::uint32_t masked_crc32c(const void* data, std::size_t size) {
  const std::uint32_t crc = crc32c(data, size);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

SummaryWriter::SummaryWriter(const std::filesystem::path& run_dir) {
  std::error_code error;
  std::filesystem::create_directories(run_dir, error);
  VIT_CHECK(!error, "cannot create the run folder '", run_dir.string(), "': ", error.message(), ".");
  const auto unix_time = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string base = "events.out.tfevents." + std::to_string(unix_time) + "." + hostname();
  // "x": never open an existing file, so a run resumed within the same second gets "<name>.1".
  for (int suffix = 0; !file_; ++suffix) {
    path_ = run_dir / (suffix == 0 ? base : base + "." + std::to_string(suffix));
    file_.reset(std::fopen(path_.c_str(), "wbx"));
    VIT_CHECK(file_ || errno == EEXIST, "cannot create the TensorBoard file '", path_.string(),
              "': ", std::strerror(errno), ".");
  }
  std::string event = event_header(0);
  put_bytes(event, 3, "brain.Event:2");
  write_record(event);
  flush();
}

void SummaryWriter::add_scalar(const std::string& tag, float value, std::int64_t step) {
  std::string summary_value;
  put_bytes(summary_value, 1, tag);
  put_key(summary_value, 2, kFixed32);
  put_little_endian(summary_value, value);
  std::string summary;
  put_bytes(summary, 1, summary_value);
  std::string event = event_header(step);
  put_bytes(event, 5, summary);
  write_record(event);
}

void SummaryWriter::flush() {
  VIT_CHECK(std::fflush(file_.get()) == 0, "writing the TensorBoard file '", path_.string(),
            "' failed: ", std::strerror(errno), ".");
}

void SummaryWriter::write_record(const std::string& event) {
  std::string record;
  put_little_endian(record, static_cast<std::uint64_t>(event.size()));
  put_little_endian(record, masked_crc32c(record.data(), 8));
  record += event;
  put_little_endian(record, masked_crc32c(event.data(), event.size()));
  VIT_CHECK(std::fwrite(record.data(), 1, record.size(), file_.get()) == record.size(),
            "writing the TensorBoard file '", path_.string(), "' failed: ", std::strerror(errno), ".");
}

}  // namespace vit::train
