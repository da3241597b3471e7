#pragma once
// Progress on stderr: a redrawn bar on a terminal, plain lines otherwise, nothing when quiet.
#include <unistd.h>

#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace ferguard::cli {

class Progress {
 public:
  Progress(int total, bool quiet) : total_(total), quiet_(quiet), tty_(::isatty(::fileno(stderr)) != 0) {}

  /// An input is done: `what` says what was found ("3 faces").
  void input_done(const std::string& path, const std::string& what) {
    ++done_;
    if (quiet_) return;
    if (tty_) {
      bar(fmt::format("{}: {}", path, what));
    } else {
      fmt::print(stderr, "[{}/{}] {}: {}\n", done_, total_, path, what);
    }
  }
  /// A video frame is done (redrawn on a terminal only; plain output gets one line per input).
  void frame_done(const std::string& path, int frame, int frames, int faces) {
    if (quiet_ || !tty_) return;
    bar(fmt::format("{}: frame {}{} ({} faces)", path, frame + 1, frames > 0 ? fmt::format("/{}", frames) : "", faces));
  }
  /// A message that must not be overwritten by the bar.
  void note(const std::string& text) {
    clear();
    fmt::print(stderr, "{}\n", text);
  }
  void finish() { clear(); }

 private:
  void bar(const std::string& text) {
    const int width = 24;
    const int filled = total_ > 0 ? done_ * width / total_ : width;
    std::string line = fmt::format("[{}{}] {}/{} {}", std::string(filled, '#'), std::string(width - filled, '.'),
                                   done_, total_, text);
    if (line.size() > 110) line = line.substr(0, 107) + "...";
    fmt::print(stderr, "\r\033[K{}", line);
    std::fflush(stderr);
    drawn_ = true;
  }
  void clear() {
    if (drawn_) fmt::print(stderr, "\r\033[K");
    drawn_ = false;
  }

  int total_ = 0, done_ = 0;
  bool quiet_ = false, tty_ = false, drawn_ = false;
};

}  // namespace ferguard::cli
