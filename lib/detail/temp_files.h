#pragma once
// Temporary output files: created beside their target under a name that carries the process id
// (".NAME.<pid>.XXXXXX.tmp", ".STEM.<pid>.XXXXXX.partial.EXT"), registered so that a signal handler can remove them,
// and recognisable afterwards so that a later run can sweep those whose process is gone.
#include <string>

namespace ferguard::detail {

/// One temporary file beside `target`. The destructor removes it unless publish() renamed it to the target.
class TempFile {
 public:
  /// Creates the empty file ".<base>.<pid>.XXXXXX.<suffix>" in the target's folder, where `base` is the target's file
  /// name, or its stem when `suffix` carries the extension itself (suffix "partial.mp4": FFmpeg picks the container
  /// by the extension). Throws IoError naming `target` when the folder is missing or not writable.
  TempFile(const std::string& target, const std::string& suffix, bool keep_extension = false);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& target() const { return target_; }
  /// The open descriptor; the caller takes it over (and must close it), after which fd() is -1.
  int release_fd();
  /// Mode 0644, then renamed to the target. Throws IoError naming the target (and removes the temporary).
  void publish();
  /// Removes the file now (no-op after publish or discard).
  void discard() noexcept;

 private:
  std::string target_, path_;
  int fd_ = -1;
  int slot_ = -1;
};

/// Async-signal-safe: removes every temporary file this process has registered and not yet published.
void remove_temp_files_now() noexcept;

/// Installs SIGINT, SIGTERM and SIGHUP handlers that remove the registered temporaries, then die of the signal as
/// the default action would (exit status 128 + signal). For programs (the CLI), never called by the library.
void remove_temp_files_on_signals();

/// Removes ferguard's temporary files in `dir` whose process no longer runs (left by a crash or a kill -9); returns
/// how many. Other files, and temporaries of running processes, are left alone.
int sweep_stale_temp_files(const std::string& dir);

}  // namespace ferguard::detail
