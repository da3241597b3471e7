#include "detail/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "detail/check.h"

namespace ferguard::detail {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory, expected a file";
  if (S_ISFIFO(mode)) return "is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  return "is not a regular file";
}

[[noreturn]] void fail(const char* what, const std::string& path, const std::string& why) {
  throw IoError(fmt::format("{} '{}': {}", what, path, why));
}

void check_stat(const struct stat& st, const char* what, const std::string& path) {
  if (!S_ISREG(st.st_mode)) fail(what, path, kind_of(st.st_mode));
}

}  // namespace

void check_regular_file(const std::string& path, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) fail(what, path, "no such file");
    fail(what, path, fmt::format("cannot be read ({})", std::strerror(errno)));
  }
  check_stat(st, what, path);
}

std::vector<std::uint8_t> read_regular_file(const std::string& path, const char* what, std::int64_t max_bytes) {
  check_regular_file(path, what);
  // O_NONBLOCK: should the path have become a FIFO since the check, open() must not wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) fail(what, path, fmt::format("cannot open for reading ({})", std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(what, path, fmt::format("cannot be read ({})", std::strerror(errno)));
  check_stat(st, what, path);
  if (st.st_size > max_bytes)
    fail(what, path, fmt::format("{} bytes exceeds the limit of {} bytes", st.st_size, max_bytes));
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(what, path, fmt::format("read failed ({})", std::strerror(errno)));
    if (n == 0) break;  // the file shrank while being read
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace ferguard::detail
