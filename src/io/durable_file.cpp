// SHA-256 through OpenSSL's EVP interface, read in 1 MiB chunks; fsync through POSIX; atomic
// replacement by write, flush, fsync and rename.
#include "vitcuda/io/durable_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <string_view>
#include <vector>

#include "vitcuda/runtime/check.h"
#include "vitcuda/runtime/input_file.h"

namespace vit {

namespace {

// SHA-256 over the chunks `next` hands out (an empty span ends), as 64 lowercase hex digits.
template <typename Next>
std::string sha256_hex(const std::string& what, Next next) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  VIT_CHECK(context && EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1, "cannot start a SHA-256.");
  for (std::string_view chunk = next(); !chunk.empty(); chunk = next()) {
    VIT_CHECK(EVP_DigestUpdate(context.get(), chunk.data(), chunk.size()) == 1, "SHA-256 of ", what, " failed.");
  }
  std::array<unsigned char, 32> digest{};
  unsigned int length = 0;
  VIT_CHECK(EVP_DigestFinal_ex(context.get(), digest.data(), &length) == 1 && length == digest.size(),
            "SHA-256 of ", what, " failed.");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

}  // namespace

std::string sha256_of_file(const std::filesystem::path& path) {
  const InputFile file(path, "checkpoint file");
  std::vector<char> chunk(std::size_t{1} << 20);
  std::uint64_t offset = 0;
  const std::string what = "'" + path.string().append("'");
  return sha256_hex(what, [&]() -> std::string_view {
    const std::uint64_t bytes = std::min<std::uint64_t>(chunk.size(), file.size() - offset);
    file.read(chunk.data(), offset, bytes);
    offset += bytes;
    return {chunk.data(), bytes};
  });
}

std::string sha256_of_bytes(std::string_view bytes) {
  bool given = false;
  return sha256_hex("a buffer", [&]() -> std::string_view {
    if (given) return {};
    given = true;
    return bytes;
  });
}

void sync_to_disk(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  VIT_CHECK(fd >= 0, "cannot open '", path.string(), "' to flush it: ", std::strerror(errno), ".");
  const int status = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  VIT_CHECK(status == 0, "cannot flush '", path.string(), "' to the disk: ", std::strerror(error), ".");
}

void rename_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code error;
  std::filesystem::rename(from, to, error);
  VIT_CHECK(!error, "cannot rename '", from.string(), "' to '", to.string(), "': ", error.message(), ".");
}

void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  try {
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      VIT_CHECK(out.good(), "cannot write '", temporary.string(), "': check the folder exists and is writable.");
      write(out);
      out.flush();  // a full disk shows here, not in the destructor, which would swallow it
      VIT_CHECK(out.good(), "writing '", temporary.string(), "' failed (disk full?).");
    }
    sync_to_disk(temporary);
    rename_file(temporary, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
}

}  // namespace vit
