#pragma once
// Progress on stderr: a redrawn bar on a terminal, plain lines otherwise (for a video, one every few seconds with
// frames done, fps and the time left, so that a log shows the run is alive; FERGUARD_PROGRESS_SECONDS sets the
// interval, default 5), nothing when quiet.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace ferguard::cli {

class Progress {
 public:
  Progress(int total, bool quiet) : total_(total), quiet_(quiet), tty_(::isatty(::fileno(stderr)) != 0) {
    if (const char* s = std::getenv("FERGUARD_PROGRESS_SECONDS"); s != nullptr && *s != '\0') {
      char* end = nullptr;
      const double v = std::strtod(s, &end);
      if (end != s && v >= 0) line_seconds_ = v;
    }
  }

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
  /// A video frame is done: redrawn on a terminal, a plain line every line_seconds_ otherwise.
  void frame_done(const std::string& path, int frame, int frames, int faces) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    if (frame == 0 || path != video_) {
      video_ = path;
      video_start_ = last_line_ = now;
    }
    const double elapsed = std::chrono::duration<double>(now - video_start_).count();
    const double fps = elapsed > 0 ? (frame + 1) / elapsed : 0.0;
    std::string text = fmt::format("{}: frame {}{}, {} faces", path, frame + 1,
                                   frames > 0 ? fmt::format("/{}", frames) : "", faces);
    if (fps > 0) text += fmt::format(", {:.1f} fps", fps);
    if (fps > 0 && frames > frame + 1) text += fmt::format(", {:.0f} s left", (frames - frame - 1) / fps);
    if (tty_) {
      bar(text);
    } else if (std::chrono::duration<double>(now - last_line_).count() >= line_seconds_) {
      last_line_ = now;
      fmt::print(stderr, "[{}/{}] {}\n", done_ + 1, total_, text);
      std::fflush(stderr);
    }
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

  double line_seconds_ = 5.0;
  int total_ = 0, done_ = 0;
  std::string video_;
  std::chrono::steady_clock::time_point video_start_, last_line_;
  bool quiet_ = false, tty_ = false, drawn_ = false;
};

}  // namespace ferguard::cli
