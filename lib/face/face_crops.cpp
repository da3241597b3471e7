#include "ferguard/face/face_crops.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "detail/check.h"
#include "detail/landmark_bounds.h"

namespace ferguard {
namespace {

struct Vec2 {
  double x = 0.0, y = 0.0;
};

void check_landmarks(const std::vector<Point2f>& landmarks, const char* what) {
  FERGUARD_CHECK(landmarks.size() == static_cast<std::size_t>(kNumFaceLandmarks),
                 "{}: expected {} landmarks, got {}", what, kNumFaceLandmarks, landmarks.size());
}

// Landmarks are float, face-api's are JS doubles: everything after the input is computed in double.
Vec2 centre(const std::vector<Point2f>& p, int first, int last) {
  Vec2 c;
  for (int i = first; i <= last; ++i) {
    c.x += p[i].x;
    c.y += p[i].y;
  }
  const double n = last - first + 1;
  return {c.x / n, c.y / n};
}

struct RectD {
  double x, y, width, height;
};

PixelRect clip(const RectD& r, int image_width, int image_height) {
  FERGUARD_CHECK(image_width >= 1 && image_height >= 1, "clip_at_image_borders: expected an image size >= 1, got {}x{}",
                 image_width, image_height);
  const double x0 = std::max(r.x, 0.0), y0 = std::max(r.y, 0.0);
  const double w0 = std::min(r.x + r.width - x0, image_width - x0);
  const double h0 = std::min(r.y + r.height - y0, image_height - y0);
  return {static_cast<int>(std::floor(x0)), static_cast<int>(std::floor(y0)), static_cast<int>(std::floor(w0)),
          static_cast<int>(std::floor(h0))};
}

RectD expression_rect(const std::vector<Point2f>& landmarks) {
  check_landmarks(landmarks, "expression crop");
  const detail::LandmarkBounds b = detail::landmark_bounds(landmarks);
  const double min_x = b.x0, min_y = b.y0;
  const double w = double(b.x1) - b.x0, h = double(b.y1) - b.y0;
  return {min_x - 0.1 * w, min_y - 0.1 * h, 1.2 * w, 1.2 * h};
}

RectD recognition_rect(const std::vector<Point2f>& landmarks) {
  check_landmarks(landmarks, "recognition crop");
  const Vec2 left_eye = centre(landmarks, 36, 41), right_eye = centre(landmarks, 42, 47);
  const Vec2 mouth = centre(landmarks, 48, 67);
  const double d_left = std::hypot(mouth.x - left_eye.x, mouth.y - left_eye.y);
  const double d_right = std::hypot(mouth.x - right_eye.x, mouth.y - right_eye.y);
  const double size = std::floor((d_left + d_right) / 2.0 / 0.45);
  const Vec2 ref{(left_eye.x + right_eye.x + mouth.x) / 3.0, (left_eye.y + right_eye.y + mouth.y) / 3.0};
  // face-api also caps the size at (landmark crop size + x), which never binds for real faces.
  return {std::floor(std::max(0.0, ref.x - 0.5 * size)), std::floor(std::max(0.0, ref.y - 0.43 * size)), size, size};
}

FaceBox to_box(const RectD& r) {
  return {static_cast<float>(r.x), static_cast<float>(r.y), static_cast<float>(r.width), static_cast<float>(r.height)};
}

}  // namespace

PixelRect clip_at_image_borders(const FaceBox& box, int image_width, int image_height) {
  return clip({box.x, box.y, box.width, box.height}, image_width, image_height);
}

FaceBox expression_crop_box(const std::vector<Point2f>& landmarks) { return to_box(expression_rect(landmarks)); }

FaceBox recognition_crop_box(const std::vector<Point2f>& landmarks) { return to_box(recognition_rect(landmarks)); }

// The two crops clip the double-precision rect, so the float FaceBox's rounding never moves a floor.
PixelRect expression_crop(const std::vector<Point2f>& landmarks, int image_width, int image_height) {
  return clip(expression_rect(landmarks), image_width, image_height);
}

PixelRect recognition_crop(const std::vector<Point2f>& landmarks, int image_width, int image_height) {
  return clip(recognition_rect(landmarks), image_width, image_height);
}

Image crop_image(const Image& image, const PixelRect& rect) {
  FERGUARD_CHECK(!image.empty(), "crop_image: expected a non-empty image");
  FERGUARD_CHECK(rect.width >= 1 && rect.height >= 1 && rect.x >= 0 && rect.y >= 0 &&
                     rect.x + rect.width <= image.width() && rect.y + rect.height <= image.height(),
                 "crop_image: rect (x={}, y={}, w={}, h={}) is empty or not inside the {}x{} image", rect.x, rect.y,
                 rect.width, rect.height, image.width(), image.height());
  Image out(rect.height, rect.width, image.channels());
  const std::size_t row = static_cast<std::size_t>(rect.width) * image.channels();
  for (int y = 0; y < rect.height; ++y)
    std::memcpy(out.data() + static_cast<std::size_t>(y) * row,
                image.data() + (static_cast<std::size_t>(rect.y + y) * image.width() + rect.x) * image.channels(), row);
  return out;
}

}  // namespace ferguard
