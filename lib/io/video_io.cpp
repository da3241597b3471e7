// Video files through cv::VideoCapture / cv::VideoWriter, pinned to the FFmpeg backend so that the result does not
// depend on which other backends (GStreamer, ...) happen to be installed.
#include "ferguard/io/video_io.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "detail/check.h"
#include "detail/read_file.h"
#include "detail/temp_files.h"

namespace ferguard {
namespace fs = std::filesystem;

bool is_video_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".mp4" || ext == ".avi" || ext == ".mov" || ext == ".mkv" || ext == ".webm" || ext == ".m4v";
}

namespace {

Image rgb_from_bgr(const cv::Mat& bgr) {
  cv::Mat rgb;
  if (bgr.channels() == 1) {
    cv::cvtColor(bgr, rgb, cv::COLOR_GRAY2RGB);
  } else if (bgr.channels() == 4) {
    cv::cvtColor(bgr, rgb, cv::COLOR_BGRA2RGB);
  } else {
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  }
  if (!rgb.isContinuous()) rgb = rgb.clone();
  return Image(rgb.rows, rgb.cols, 3, std::vector<std::uint8_t>(rgb.data, rgb.data + rgb.total() * 3));
}

}  // namespace

struct VideoReader::Impl {
  std::string path;
  cv::VideoCapture capture;
  cv::Mat first;  // decoded in the constructor to prove the file has a frame; handed out by the first read()
  bool first_pending = false;
  double fps = 0.0;
  int width = 0, height = 0, frame_count = -1;
  int frames_read = 0;
  bool ended = false;
  std::string early_end;

  // Called once when no further frame comes: a shortfall of more than 2 % (and more than one frame) against the
  // container's count is a broken stream, not a rounded estimate.
  void end(const std::string& decode_error) {
    if (ended) return;
    ended = true;
    if (!decode_error.empty()) {
      early_end = fmt::format("frame {} cannot be decoded ({}); the video ends there", frames_read + 1, decode_error);
    } else if (frame_count > 0 && frame_count - frames_read > std::max(1, frame_count / 50)) {
      early_end = fmt::format("the stream ended after {} of the {} frames its container announces (corrupt or "
                              "truncated file)",
                              frames_read, frame_count);
    }
  }
};

namespace {
// FFmpeg prints its own lines on stderr (through OpenCV's backend) unless told otherwise; ferguard reports problems
// in its own words. Set once, before the first capture or writer, and never over the user's own setting.
void quiet_ffmpeg() {
  static std::once_flag once;
  std::call_once(once, [] { ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", 0); });  // AV_LOG_QUIET
}
}  // namespace

VideoReader::VideoReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  detail::check_regular_file(path, "video");  // a FIFO or device would make FFmpeg block or read forever
  quiet_ffmpeg();
  try {
    impl_->capture.open(path, cv::CAP_FFMPEG);
    FERGUARD_CHECK_AS(impl_->capture.isOpened(), IoError, "video '{}': cannot be opened (corrupt or unsupported format)",
                      path);
    FERGUARD_CHECK_AS(impl_->capture.read(impl_->first) && !impl_->first.empty(), IoError,
                      "video '{}': holds no readable frame", path);
  } catch (const cv::Exception& e) {
    throw IoError(fmt::format("video '{}': cannot be decoded ({})", path, e.what()));
  }
  FERGUARD_CHECK_AS(impl_->first.depth() == CV_8U, IoError, "video '{}': unsupported pixel depth (OpenCV depth {})",
                    path, impl_->first.depth());
  impl_->first_pending = true;
  impl_->width = impl_->first.cols;
  impl_->height = impl_->first.rows;
  const double fps = impl_->capture.get(cv::CAP_PROP_FPS);
  impl_->fps = std::isfinite(fps) && fps > 0 ? fps : 0.0;
  const double count = impl_->capture.get(cv::CAP_PROP_FRAME_COUNT);
  impl_->frame_count = std::isfinite(count) && count >= 1 && count < 1e9 ? static_cast<int>(std::lround(count)) : -1;
}

VideoReader::~VideoReader() = default;
VideoReader::VideoReader(VideoReader&&) noexcept = default;
VideoReader& VideoReader::operator=(VideoReader&&) noexcept = default;

bool VideoReader::read(Image& rgb) {
  cv::Mat frame;
  if (impl_->first_pending) {
    impl_->first_pending = false;
    frame = impl_->first;
    impl_->first.release();
  } else {
    if (impl_->ended) return false;
    try {
      if (!impl_->capture.read(frame) || frame.empty()) {
        impl_->end("");
        return false;
      }
    } catch (const cv::Exception& e) {
      impl_->end(e.what());
      return false;
    }
  }
  if (frame.cols != impl_->width || frame.rows != impl_->height) {
    impl_->end(fmt::format("a frame of {}x{} after frames of {}x{}", frame.cols, frame.rows, impl_->width,
                           impl_->height));
    return false;
  }
  rgb = rgb_from_bgr(frame);
  ++impl_->frames_read;
  return true;
}

int VideoReader::frames_read() const { return impl_->frames_read; }
const std::string& VideoReader::early_end() const { return impl_->early_end; }

const std::string& VideoReader::path() const { return impl_->path; }
double VideoReader::fps() const { return impl_->fps; }
int VideoReader::width() const { return impl_->width; }
int VideoReader::height() const { return impl_->height; }
int VideoReader::frame_count() const { return impl_->frame_count; }

struct VideoWriter::Impl {
  std::string path;
  std::unique_ptr<detail::TempFile> tmp;
  cv::VideoWriter writer;
  int width = 0, height = 0, frames = 0;
  int pad_x = 0, pad_y = 0;  // OpenCV's FFmpeg writer drops an odd last column/row: pad to even instead

  void discard() {
    if (writer.isOpened()) writer.release();
    tmp.reset();
  }
};

VideoWriter::VideoWriter(const std::string& path, int width, int height, double fps)
    : impl_(std::make_unique<Impl>()) {
  FERGUARD_CHECK(width >= 1 && height >= 1, "video '{}': expected a frame size >= 1x1, got {}x{}", path, width, height);
  FERGUARD_CHECK(std::isfinite(fps) && fps > 0, "video '{}': expected fps > 0, got {}", path, fps);
  quiet_ffmpeg();
  // The temporary keeps the extension: FFmpeg chooses the container by it.
  impl_->tmp = std::make_unique<detail::TempFile>(path, "partial" + fs::path(path).extension().string(), true);
  ::close(impl_->tmp->release_fd());
  impl_->path = path;
  impl_->width = width;
  impl_->height = height;
  impl_->pad_x = width % 2;
  impl_->pad_y = height % 2;
  bool opened = false;
  try {
    opened = impl_->writer.open(impl_->tmp->path(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps,
                                cv::Size(width + impl_->pad_x, height + impl_->pad_y));
  } catch (const cv::Exception& e) {
    opened = false;
  }
  if (!opened) {
    impl_->discard();
    throw IoError(fmt::format("output '{}': cannot open the video encoder (mp4v, {}x{}, {} fps)", path, width, height,
                              fps));
  }
}

VideoWriter::~VideoWriter() {
  if (impl_) impl_->discard();
}
VideoWriter::VideoWriter(VideoWriter&&) noexcept = default;
VideoWriter& VideoWriter::operator=(VideoWriter&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->discard();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void VideoWriter::write(const Image& rgb) {
  FERGUARD_CHECK(impl_->writer.isOpened(), "video '{}': write() after close()", impl_->path);
  FERGUARD_CHECK(rgb.channels() == 3 && rgb.width() == impl_->width && rgb.height() == impl_->height,
                 "video '{}': expected a {}x{} RGB frame, got {}x{}x{}", impl_->path, impl_->width, impl_->height,
                 rgb.width(), rgb.height(), rgb.channels());
  cv::Mat view(rgb.height(), rgb.width(), CV_8UC3, const_cast<std::uint8_t*>(rgb.data()));
  cv::Mat bgr;
  cv::cvtColor(view, bgr, cv::COLOR_RGB2BGR);
  if (impl_->pad_x || impl_->pad_y)
    cv::copyMakeBorder(bgr, bgr, 0, impl_->pad_y, 0, impl_->pad_x, cv::BORDER_REPLICATE);
  try {
    impl_->writer.write(bgr);
  } catch (const cv::Exception& e) {
    throw IoError(fmt::format("output '{}': cannot encode a frame ({})", impl_->path, e.what()));
  }
  ++impl_->frames;
}

void VideoWriter::close() {
  FERGUARD_CHECK(impl_->writer.isOpened(), "video '{}': close() called twice", impl_->path);
  impl_->writer.release();
  std::error_code ec;
  if (impl_->frames == 0 || fs::file_size(impl_->tmp->path(), ec) == 0 || ec) {
    impl_->discard();
    throw IoError(fmt::format("output '{}': no frame was written", impl_->path));
  }
  impl_->tmp->publish();
  impl_->tmp.reset();
}

int VideoWriter::frames() const { return impl_->frames; }

}  // namespace ferguard
