#pragma once
// Writing files that survive crashes and full disks: a file replaced atomically, a file's SHA-256
// (OpenSSL), and fsync of a file and of a folder, so that a rename that commits is never seen
// before the data it names.
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace vit {

// The SHA-256 of the file's bytes, or of bytes in memory, as 64 lowercase hex digits.
std::string sha256_of_file(const std::filesystem::path& path);
std::string sha256_of_bytes(std::string_view bytes);
// Flushes the file's data (or, for a folder, its entries) to the disk; throws on failure.
void sync_to_disk(const std::filesystem::path& path);
// Renames `from` over `to` (atomic on one file system); throws naming both on failure.
void rename_file(const std::filesystem::path& from, const std::filesystem::path& to);
// Replaces `path` with what `write` puts into the stream, so that a crash or a full disk leaves
// the old file or the new one, whole: <path>.tmp is written, flushed to the disk and renamed over
// `path`. On failure it throws and removes the .tmp, and `path` is as it was.
void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write);

}  // namespace vit
