#pragma once
/// Reading and writing videos through OpenCV's FFmpeg backend; frames are HxWx3 uint8 RGB inside ferguard.
#include <memory>
#include <string>

#include "ferguard/types.h"

namespace ferguard {

/// Whether `path` names a video by its extension: .mp4 .avi .mov .mkv .webm .m4v (case-insensitive).
bool is_video_path(const std::string& path);

/// Frames of a video file, in order. FFmpeg's own log lines are silenced (OPENCV_FFMPEG_LOGLEVEL is set to quiet
/// unless the environment already sets it); problems are reported as ferguard errors and warnings instead.
/// Thread safety: not shareable; one thread at a time (different readers on different threads are fine).
class VideoReader {
 public:
  /// Opens `path` and decodes its first frame. Throws IoError naming the path when it is missing, not a regular file
  /// (a FIFO or device is refused before FFmpeg could block on it), cannot be opened or holds no frame.
  explicit VideoReader(const std::string& path);
  ~VideoReader();
  VideoReader(VideoReader&&) noexcept;
  VideoReader& operator=(VideoReader&&) noexcept;

  /// The next frame as HxWx3 RGB; false at the end of the video (`rgb` is then left as it was), also when the
  /// stream breaks off early: then early_end() says why.
  bool read(Image& rgb);
  /// Frames returned by read() so far.
  int frames_read() const;
  /// After read() returned false: why the video ended before the frame count its container announces (a frame
  /// that cannot be decoded, or fewer frames than announced: a corrupt or truncated file); "" when it ended where
  /// expected or the count is unknown.
  const std::string& early_end() const;

  const std::string& path() const;
  /// Frames per second as the container states it (0 when unknown).
  double fps() const;
  int width() const;
  int height() const;
  /// Frame count as the container states it; -1 when unknown. It may differ from the frames read().
  int frame_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Writes frames to a video file (MPEG-4 part 2, fourcc 'mp4v', or what the extension's container takes). Frames go
/// to a temporary file beside `path` ('.NAME.<pid>.XXXXXX.partial.EXT'), renamed to `path` by close(); destroying the
/// writer without close() removes the temporary, so a failed run never leaves a half-written video. FFmpeg's encoders
/// need even sizes: an odd width or height is padded by repeating the last column or row, so the file is up to one
/// pixel wider or taller than the frames written (never cropped).
/// Thread safety: not shareable; one thread at a time (different writers on different threads are fine).
class VideoWriter {
 public:
  /// Throws InvalidArgument for a size < 1 or fps <= 0, IoError naming the path when the folder is missing or the
  /// encoder cannot be opened.
  VideoWriter(const std::string& path, int width, int height, double fps);
  ~VideoWriter();
  VideoWriter(VideoWriter&&) noexcept;
  VideoWriter& operator=(VideoWriter&&) noexcept;

  /// Appends an HxWx3 RGB frame of the writer's size. Throws InvalidArgument for another size or channel count.
  void write(const Image& rgb);
  /// Finishes the file and moves it to `path`. Throws IoError when that fails.
  void close();
  /// Frames written so far.
  int frames() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferguard
