#pragma once
// What a checkpoint commit needs from the file system: a file's SHA-256 (OpenSSL), and fsync of
// a file and of a folder, so that a rename that commits is never seen before the data it names.
#include <filesystem>
#include <string>

namespace vit {

// The SHA-256 of the file's bytes as 64 lowercase hex digits.
std::string sha256_of_file(const std::filesystem::path& path);
// Flushes the file's data (or, for a folder, its entries) to the disk; throws on failure.
void sync_to_disk(const std::filesystem::path& path);

}  // namespace vit
