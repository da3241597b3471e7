#pragma once
// Reads a whole input file, refusing what is not a regular file before reading a byte: /dev/zero would grow memory
// without end and a FIFO would block forever.
#include <cstdint>
#include <string>
#include <vector>

namespace ferguard::detail {

/// Throws IoError "<what> '<path>': ..." when `path` is missing, a folder, not a regular file (after following
/// symlinks), unreadable or larger than `max_bytes`.
std::vector<std::uint8_t> read_regular_file(const std::string& path, const char* what, std::int64_t max_bytes);

/// The same checks without reading: throws IoError when `path` is not an existing regular file.
void check_regular_file(const std::string& path, const char* what);

}  // namespace ferguard::detail
