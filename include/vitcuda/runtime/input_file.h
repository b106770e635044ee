#pragma once
// A file a user named, opened for reading without surprises: only a regular file is accepted (a
// FIFO would block in open, a device such as /dev/zero never ends), the open does not block, and
// its size is known before anything is read, so callers check it against their limits first.
#include <cstdint>
#include <filesystem>
#include <string>

namespace vit {

class InputFile {
 public:
  // `what` names the file in errors: "image", "checkpoint", ...
  InputFile(const std::filesystem::path& path, std::string what);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  std::uint64_t size() const { return size_; }
  // Reads exactly `bytes` at `offset`, or throws.
  void read(void* out, std::uint64_t offset, std::uint64_t bytes) const;
  // Throws unless size() <= max_bytes.
  void check_size_at_most(std::uint64_t max_bytes) const;

 private:
  std::filesystem::path path_;
  std::string what_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace vit
