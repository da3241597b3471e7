#pragma once
// Writes a whole file or nothing: data goes to a temporary file beside the target, which is then renamed.
#include <cstdint>
#include <string>
#include <vector>

namespace ferguard::detail {

/// Throws IoError naming `path` if the directory is missing or not writable; never leaves a partial file.
void write_file_atomically(const std::string& path, const std::vector<std::uint8_t>& bytes);
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace ferguard::detail
