#pragma once
// Helpers shared by the fuzz targets: a scratch folder for readers that take a path, and the rule that a
// reader may reject any input, but only with a ferguard::Error.
#include <cstddef>
#include <cstdint>
#include <string>

namespace ferguard::fuzz {

/// A folder of this process under /dev/shm (or $TMPDIR when /dev/shm is absent), created on first use.
const std::string& scratch_dir();

/// Writes `size` bytes to scratch_dir()/name (replacing it) and returns the file's path.
std::string write_scratch(const std::string& name, const std::uint8_t* data, std::size_t size);

}  // namespace ferguard::fuzz
