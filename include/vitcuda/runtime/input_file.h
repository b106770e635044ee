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

// The whole of a small text file (a JSON config or state), through InputFile: a FIFO, a device or
// a file over max_bytes is refused before anything is read.
inline constexpr std::uint64_t kMaxTextFileBytes = std::uint64_t{16} << 20;
std::string read_text_file(const std::filesystem::path& path, const std::string& what,
                           std::uint64_t max_bytes = kMaxTextFileBytes);

}  // namespace vit
