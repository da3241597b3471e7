#include "detail/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "detail/check.h"

namespace ferguard::detail {
namespace fs = std::filesystem;

namespace {
void write_bytes(const std::string& path, const char* data, std::size_t size) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  FERGUARD_CHECK_AS(fs::is_directory(dir, ec), IoError, "output '{}': directory '{}' does not exist", path,
                    dir.string());
  std::string tmp = (dir / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  int fd = ::mkstemp(tmp.data());
  FERGUARD_CHECK_AS(fd >= 0, IoError, "output '{}': cannot create a temporary file ({})", path, std::strerror(errno));
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw IoError(fmt::format("output '{}': write failed ({})", path, std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, 0644);
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw IoError(fmt::format("output '{}': close failed ({})", path, std::strerror(errno)));
  }
  publish_file(tmp, path);
}
}  // namespace

void publish_file(const std::string& tmp, const std::string& path) {
  ::chmod(tmp.c_str(), 0644);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw IoError(fmt::format("output '{}': rename failed ({})", path, std::strerror(err)));
  }
}

void write_file_atomically(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  write_bytes(path, reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void write_file_atomically(const std::string& path, const std::string& text) {
  write_bytes(path, text.data(), text.size());
}

}  // namespace ferguard::detail
