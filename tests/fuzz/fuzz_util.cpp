#include "fuzz_util.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ferguard::fuzz {
namespace fs = std::filesystem;

const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::error_code ec;
    fs::path root = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    fs::path d = root / ("ferguard-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    // Removed at exit; a crashed run leaves it behind for inspection.
    static const std::string to_remove = d.string();
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(to_remove, ignored);
    });
    return d.string();
  }();
  return dir;
}

std::string write_scratch(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const std::string path = (fs::path(scratch_dir()) / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) std::abort();  // the harness itself is broken, not the reader
  return path;
}

}  // namespace ferguard::fuzz
