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
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "detail/atomic_file.h"
#include "detail/check.h"

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
};

VideoReader::VideoReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  std::error_code ec;
  FERGUARD_CHECK_AS(fs::exists(path, ec), IoError, "video '{}': no such file", path);
  FERGUARD_CHECK_AS(!fs::is_directory(path, ec), IoError, "video '{}': is a directory, expected a file", path);
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
    try {
      if (!impl_->capture.read(frame) || frame.empty()) return false;
    } catch (const cv::Exception& e) {
      throw IoError(fmt::format("video '{}': cannot decode a frame ({})", impl_->path, e.what()));
    }
  }
  FERGUARD_CHECK_AS(frame.cols == impl_->width && frame.rows == impl_->height, IoError,
                    "video '{}': frame of {}x{} after frames of {}x{}", impl_->path, frame.cols, frame.rows,
                    impl_->width, impl_->height);
  rgb = rgb_from_bgr(frame);
  return true;
}

const std::string& VideoReader::path() const { return impl_->path; }
double VideoReader::fps() const { return impl_->fps; }
int VideoReader::width() const { return impl_->width; }
int VideoReader::height() const { return impl_->height; }
int VideoReader::frame_count() const { return impl_->frame_count; }

struct VideoWriter::Impl {
  std::string path, tmp;
  cv::VideoWriter writer;
  int width = 0, height = 0, frames = 0;
  int pad_x = 0, pad_y = 0;  // OpenCV's FFmpeg writer drops an odd last column/row: pad to even instead

  void discard() {
    if (writer.isOpened()) writer.release();
    if (!tmp.empty()) ::unlink(tmp.c_str());
    tmp.clear();
  }
};

VideoWriter::VideoWriter(const std::string& path, int width, int height, double fps)
    : impl_(std::make_unique<Impl>()) {
  FERGUARD_CHECK(width >= 1 && height >= 1, "video '{}': expected a frame size >= 1x1, got {}x{}", path, width, height);
  FERGUARD_CHECK(std::isfinite(fps) && fps > 0, "video '{}': expected fps > 0, got {}", path, fps);
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  FERGUARD_CHECK_AS(fs::is_directory(dir, ec), IoError, "output '{}': directory '{}' does not exist", path,
                    dir.string());
  // The temporary keeps the extension: FFmpeg chooses the container by it.
  const std::string ext = target.extension().string();
  std::string tmp = (dir / ("." + target.stem().string() + ".XXXXXX.partial" + ext)).string();
  const int fd = ::mkstemps(tmp.data(), static_cast<int>(std::string(".partial").size() + ext.size()));
  FERGUARD_CHECK_AS(fd >= 0, IoError, "output '{}': cannot create a temporary file ({})", path, std::strerror(errno));
  ::close(fd);
  impl_->path = path;
  impl_->tmp = tmp;
  impl_->width = width;
  impl_->height = height;
  impl_->pad_x = width % 2;
  impl_->pad_y = height % 2;
  bool opened = false;
  try {
    opened = impl_->writer.open(tmp, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps,
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
  if (impl_->frames == 0 || fs::file_size(impl_->tmp, ec) == 0 || ec) {
    impl_->discard();
    throw IoError(fmt::format("output '{}': no frame was written", impl_->path));
  }
  const std::string tmp = impl_->tmp;
  impl_->tmp.clear();  // from here on the temporary file is publish_file's to remove
  detail::publish_file(tmp, impl_->path);
}

int VideoWriter::frames() const { return impl_->frames; }

}  // namespace ferguard
