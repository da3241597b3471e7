#pragma once
// SHA-256 (FIPS 180-4), for checking the bundled models against their pinned digests without another dependency.
#include <cstddef>
#include <cstdint>
#include <string>

namespace ferguard::detail {

/// The digest of `size` bytes at `data` as 64 lowercase hex digits.
std::string sha256_hex(const void* data, std::size_t size);

}  // namespace ferguard::detail
