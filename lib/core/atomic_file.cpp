#include "detail/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "detail/check.h"
#include "detail/temp_files.h"

namespace ferguard::detail {
namespace fs = std::filesystem;

namespace {
void write_bytes(const std::string& path, const char* data, std::size_t size) {
  TempFile tmp(path, "tmp");
  const int fd = tmp.release_fd();
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw IoError(fmt::format("output '{}': write failed ({})", path, std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw IoError(fmt::format("output '{}': close failed ({})", path, std::strerror(errno)));
  tmp.publish();
}
}  // namespace

void write_file_atomically(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  write_bytes(path, reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void write_file_atomically(const std::string& path, const std::string& text) {
  write_bytes(path, text.data(), text.size());
}

}  // namespace ferguard::detail
