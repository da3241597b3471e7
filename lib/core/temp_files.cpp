#include "detail/temp_files.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>

#include "detail/check.h"

namespace ferguard::detail {
namespace fs = std::filesystem;
namespace {

// Slots a signal handler can read without locks: state 0 free, 1 being written, 2 holds a path to remove.
constexpr int kSlots = 128;
constexpr std::size_t kPathMax = 4096;
struct Slot {
  std::atomic<int> state{0};
  char path[kPathMax];
};
std::array<Slot, kSlots> g_slots;

int register_path(const std::string& path) {
  if (path.size() >= kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (g_slots[i].state.compare_exchange_strong(expected, 1)) {
      std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
      g_slots[i].state.store(2);
      return i;
    }
  }
  return -1;  // more than kSlots temporaries at once: still removed by destructors, just not on a signal
}

void unregister(int slot) {
  if (slot >= 0) g_slots[slot].state.store(0);
}

void on_signal(int sig) {
  remove_temp_files_now();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

const std::regex& temp_name() {
  static const std::regex re(R"(^\..+\.([0-9]+)\.[A-Za-z0-9]{6}\.(tmp|partial\.[A-Za-z0-9]+)$)");
  return re;
}

bool process_alive(long pid) {
  if (pid <= 0) return false;
  if (pid == static_cast<long>(::getpid())) return true;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

TempFile::TempFile(const std::string& target, const std::string& suffix, bool keep_extension) : target_(target) {
  const fs::path t(target);
  const fs::path dir = t.has_parent_path() ? t.parent_path() : fs::path(".");
  std::error_code ec;
  FERGUARD_CHECK_AS(fs::is_directory(dir, ec), IoError, "output '{}': folder '{}' does not exist", target,
                    dir.string());
  const std::string base = keep_extension ? t.stem().string() : t.filename().string();
  std::string name = fmt::format(".{}.{}.XXXXXX.{}", base, ::getpid(), suffix);
  std::string tmp = (dir / name).string();
  const int fd = ::mkstemps(tmp.data(), static_cast<int>(suffix.size() + 1));
  FERGUARD_CHECK_AS(fd >= 0, IoError, "output '{}': cannot create a file in '{}' ({})", target, dir.string(),
                    std::strerror(errno));
  path_ = tmp;
  fd_ = fd;
  slot_ = register_path(path_);
}

TempFile::~TempFile() { discard(); }

int TempFile::release_fd() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void TempFile::publish() {
  if (fd_ >= 0) ::close(release_fd());
  FERGUARD_CHECK_AS(!path_.empty(), IoError, "output '{}': published twice", target_);
  ::chmod(path_.c_str(), 0644);
  if (::rename(path_.c_str(), target_.c_str()) != 0) {
    const int err = errno;
    discard();
    throw IoError(fmt::format("output '{}': rename failed ({})", target_, std::strerror(err)));
  }
  path_.clear();
  unregister(slot_);
  slot_ = -1;
}

void TempFile::discard() noexcept {
  if (fd_ >= 0) ::close(release_fd());
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
  unregister(slot_);
  slot_ = -1;
}

void remove_temp_files_now() noexcept {
  for (Slot& s : g_slots)
    if (s.state.load() == 2) ::unlink(s.path);
}

void remove_temp_files_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

int sweep_stale_temp_files(const std::string& dir) {
  int removed = 0;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) return 0;
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    std::smatch m;
    if (!std::regex_match(name, m, temp_name())) continue;
    std::error_code fec;
    if (!it->is_regular_file(fec)) continue;
    if (process_alive(std::strtol(m[1].str().c_str(), nullptr, 10))) continue;
    if (fs::remove(it->path(), fec)) ++removed;
  }
  return removed;
}

}  // namespace ferguard::detail
