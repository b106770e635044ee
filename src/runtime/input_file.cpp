// InputFile: open(O_NONBLOCK) then fstat, so that a FIFO or device is refused without waiting,
// and pread loops for short reads.
#include "vitcuda/runtime/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vitcuda/runtime/check.h"

namespace vit {

InputFile::InputFile(const std::filesystem::path& path, std::string what) : path_(path), what_(std::move(what)) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  VIT_CHECK(fd_ >= 0, "cannot open '", path.string(), "' (", what_, "): ", std::strerror(errno), ".");
  struct stat status {};
  if (::fstat(fd_, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(fd_);
    VIT_FAIL("cannot read ", what_, " '", path.string(), "': it is not a regular file.");
  }
  size_ = static_cast<std::uint64_t>(status.st_size);
}

InputFile::~InputFile() { ::close(fd_); }

void InputFile::check_size_at_most(std::uint64_t max_bytes) const {
  VIT_CHECK(size_ <= max_bytes, what_, " '", path_.string(), "' is ", size_, " bytes, over the limit of ", max_bytes,
            " bytes.");
}

void InputFile::read(void* out, std::uint64_t offset, std::uint64_t bytes) const {
  VIT_CHECK(offset <= size_ && bytes <= size_ - offset, "cannot read ", bytes, " bytes at offset ", offset, " of ",
            what_, " '", path_.string(), "': it has ", size_, " bytes.");
  auto* dst = static_cast<char*>(out);
  while (bytes > 0) {
    const ssize_t got = ::pread(fd_, dst, bytes, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    VIT_CHECK(got > 0, "cannot read ", what_, " '", path_.string(), "': ",
              got == 0 ? "it ended early (truncated while reading?)" : std::strerror(errno), ".");
    dst += got;
    offset += static_cast<std::uint64_t>(got);
    bytes -= static_cast<std::uint64_t>(got);
  }
}

std::string read_text_file(const std::filesystem::path& path, const std::string& what, std::uint64_t max_bytes) {
  const InputFile file(path, what);
  file.check_size_at_most(max_bytes);
  std::string text(file.size(), '\0');
  file.read(text.data(), 0, text.size());
  return text;
}

}  // namespace vit
