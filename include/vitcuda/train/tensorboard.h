#pragma once
// TensorBoard event files written without TensorFlow or protobuf: `events.out.tfevents.<unix
// time>.<hostname>` in the run folder, TFRecord framing (length, masked CRC32C of the length,
// data, masked CRC32C of the data) around Event protos encoded by hand. `tensorboard --logdir`
// on the run folder's parent shows the scalars.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace vit::train {

// CRC32C (Castagnoli), as TFRecord uses it; masked_crc32c is the value stored in the file.
std::uint32_t crc32c(const void* data, std::size_t size);
std::uint32_t masked_crc32c(const void* data, std::size_t size);

class SummaryWriter {
 public:
  // Creates the run folder if needed. An existing run folder (a resumed run) gets a new events
  // file beside the old ones, which are never touched.
  explicit SummaryWriter(const std::filesystem::path& run_dir);

  void add_scalar(const std::string& tag, float value, std::int64_t step);
  // Makes everything added so far durable; call it once per epoch. The destructor flushes too.
  void flush();

  const std::filesystem::path& path() const { return path_; }

 private:
  void write_record(const std::string& event);

  struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::filesystem::path path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
};

}  // namespace vit::train
