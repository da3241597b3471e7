#include "ferguard/io/image_io.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "detail/check.h"
#include "detail/atomic_file.h"
#include "detail/read_file.h"

namespace ferguard {
namespace fs = std::filesystem;

void ImageReadOptions::validate() const {
  FERGUARD_CHECK(max_pixels >= 1, "ImageReadOptions.max_pixels: expected >= 1, got {}", max_pixels);
  FERGUARD_CHECK(max_bytes >= 1, "ImageReadOptions.max_bytes: expected >= 1, got {}", max_bytes);
}

namespace {

Image from_mat(const cv::Mat& decoded, const std::string& name, const ImageReadOptions& options) {
  cv::Mat m = decoded;
  if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
  FERGUARD_CHECK_AS(m.depth() == CV_8U, IoError, "image '{}': unsupported pixel depth (OpenCV depth {})", name,
                    m.depth());
  cv::Mat rgb;
  switch (m.channels()) {
    case 1:
      if (options.force_rgb) {
        cv::cvtColor(m, rgb, cv::COLOR_GRAY2RGB);
      } else {
        rgb = m;
      }
      break;
    case 3:
      cv::cvtColor(m, rgb, cv::COLOR_BGR2RGB);
      break;
    case 4:
      cv::cvtColor(m, rgb, cv::COLOR_BGRA2RGB);
      break;
    default:
      throw IoError(fmt::format("image '{}': expected 1, 3 or 4 channels, got {}", name, m.channels()));
  }
  if (!rgb.isContinuous()) rgb = rgb.clone();
  const std::size_t n = rgb.total() * rgb.channels();
  return Image(rgb.rows, rgb.cols, rgb.channels(), std::vector<std::uint8_t>(rgb.data, rgb.data + n));
}

void check_pixel_count(std::int64_t w, std::int64_t h, const std::string& name, const ImageReadOptions& options) {
  FERGUARD_CHECK(w * h <= options.max_pixels,
                 "image '{}': {}x{} = {} pixels exceeds the limit of {} (ImageReadOptions.max_pixels)", name, w, h,
                 w * h, options.max_pixels);
}

}  // namespace

Image decode_image(const std::vector<std::uint8_t>& bytes, const std::string& name, const ImageReadOptions& options) {
  options.validate();
  FERGUARD_CHECK_AS(!bytes.empty(), IoError, "image '{}': file is empty", name);
  if (auto size = probe_image_size(bytes)) check_pixel_count(size->width, size->height, name, options);
  cv::Mat decoded;
  try {
    // A JPEG (never with alpha) is decoded with its EXIF orientation applied, so that a photo is analysed upright, as
    // viewers show it: IMREAD_UNCHANGED ignores the tag, and a phone photo held upright would reach the detector
    // lying on its side, where most faces are missed (docs/limits.md) and so published unchanged.
    const bool jpeg = bytes.size() > 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;
    decoded = cv::imdecode(bytes, jpeg ? cv::IMREAD_ANYCOLOR : cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw IoError(fmt::format("image '{}': cannot decode ({})", name, e.what()));
  }
  FERGUARD_CHECK_AS(!decoded.empty(), IoError, "image '{}': not a readable image (corrupt or unsupported format)",
                    name);
  check_pixel_count(decoded.cols, decoded.rows, name, options);
  return from_mat(decoded, name, options);
}

Image read_image(const std::string& path, const ImageReadOptions& options) {
  options.validate();
  return decode_image(detail::read_regular_file(path, "image", options.max_bytes), path, options);
}

void write_image(const std::string& path, const Image& image) {
  FERGUARD_CHECK(!image.empty(), "write_image '{}': expected a non-empty image", path);
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  FERGUARD_CHECK(ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp",
                 "write_image '{}': expected extension .png, .jpg, .jpeg or .bmp, got '{}'", path, ext);
  cv::Mat rgb(image.height(), image.width(), image.channels() == 3 ? CV_8UC3 : CV_8UC1,
              const_cast<std::uint8_t*>(image.data()));
  cv::Mat bgr;
  if (image.channels() == 3) {
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  } else {
    bgr = rgb;
  }
  std::vector<std::uint8_t> encoded;
  bool ok = false;
  try {
    ok = cv::imencode(ext, bgr, encoded);
  } catch (const cv::Exception& e) {
    throw IoError(fmt::format("write_image '{}': cannot encode ({})", path, e.what()));
  }
  FERGUARD_CHECK_AS(ok, IoError, "write_image '{}': cannot encode as {}", path, ext);
  detail::write_file_atomically(path, encoded);
}

}  // namespace ferguard
