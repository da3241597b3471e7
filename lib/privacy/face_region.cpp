// Canvas geometry, masks and pasting with OpenCV.
#include "privacy/face_region.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "detail/check.h"
#include "detail/landmark_bounds.h"
#include "ferguard/face/face_geometry.h"

namespace ferguard::detail {

Point2f Canvas::to_canvas(const Point2f& p) const {
  const double s = scale();
  return {float((p.x - rect.x) * s), float((p.y - rect.y) * s)};
}

FaceBox Canvas::to_canvas(const FaceBox& b) const {
  const double s = scale();
  return {float((b.x - rect.x) * s), float((b.y - rect.y) * s), float(b.width * s), float(b.height * s)};
}

PixelRect covering_square(const std::vector<FaceBox>& boxes) {
  FERGUARD_CHECK(!boxes.empty(), "covering_square: expected at least one box");
  double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
  for (const FaceBox& b : boxes) {
    FERGUARD_CHECK(std::isfinite(b.x) && std::isfinite(b.y) && std::isfinite(b.width) && std::isfinite(b.height),
                   "covering_square: expected finite boxes");
    x0 = std::min(x0, double(b.x));
    y0 = std::min(y0, double(b.y));
    x1 = std::max(x1, double(b.x) + b.width);
    y1 = std::max(y1, double(b.y) + b.height);
  }
  const int side = std::max(1, int(std::ceil(std::max(x1 - x0, y1 - y0))) + 2);
  const int x = int(std::floor(0.5 * (x0 + x1) - side / 2.0)), y = int(std::floor(0.5 * (y0 + y1) - side / 2.0));
  return {x, y, side, side};
}

Tensor4 read_canvas(const Image& image, const Canvas& canvas) {
  const PixelRect& r = canvas.rect;
  cv::Mat padded(r.height, r.width, CV_8UC3, cv::Scalar::all(0));
  const int x0 = std::max(0, r.x), y0 = std::max(0, r.y);
  const int x1 = std::min(image.width(), r.x + r.width), y1 = std::min(image.height(), r.y + r.height);
  if (x1 > x0 && y1 > y0) {
    const cv::Mat src(image.height(), image.width(), CV_8UC3, const_cast<std::uint8_t*>(image.data()));
    src(cv::Rect(x0, y0, x1 - x0, y1 - y0)).copyTo(padded(cv::Rect(x0 - r.x, y0 - r.y, x1 - x0, y1 - y0)));
  }
  cv::Mat resized;
  const int interp = canvas.side < r.width ? cv::INTER_AREA : cv::INTER_LINEAR;
  cv::resize(padded, resized, cv::Size(canvas.side, canvas.side), 0, 0, interp);
  Tensor4 out(Shape4{1, 3, canvas.side, canvas.side});
  for (int y = 0; y < canvas.side; ++y) {
    const std::uint8_t* row = resized.ptr<std::uint8_t>(y);
    for (int x = 0; x < canvas.side; ++x)
      for (int c = 0; c < 3; ++c) out.at(0, c, y, x) = row[3 * x + c] / 255.0f;
  }
  return out;
}

namespace {

Point2f mean_of(const std::vector<Point2f>& p, int begin, int end) {
  double x = 0, y = 0;
  for (int i = begin; i < end; ++i) {
    x += p[i].x;
    y += p[i].y;
  }
  return {float(x / (end - begin)), float(y / (end - begin))};
}

// 1 inside the ellipse (centre, half-axes), smoothstep to 0 between radius 1 - feather and 1.
void add_ellipse(std::vector<float>& mask, int side, Point2f c, double ax, double ay, double feather) {
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      const double dx = (x + 0.5 - c.x) / ax, dy = (y + 0.5 - c.y) / ay;
      const double r = std::sqrt(dx * dx + dy * dy);
      double v = 1.0;
      if (r >= 1.0) {
        v = 0.0;
      } else if (r > 1.0 - feather) {
        const double t = (1.0 - r) / feather;
        v = t * t * (3.0 - 2.0 * t);
      }
      float& m = mask[std::size_t(y) * side + x];
      m = std::max(m, float(v));
    }
}

void check_landmarks(const std::vector<Point2f>& p, int side) {
  FERGUARD_CHECK(p.size() == std::size_t(kNumFaceLandmarks), "landmarks: expected {} points, got {}",
                 kNumFaceLandmarks, p.size());
  FERGUARD_CHECK(side >= 1, "mask side: expected >= 1, got {}", side);
}

}  // namespace

std::vector<float> face_mask(const std::vector<Point2f>& p, int side, float feather) {
  check_landmarks(p, side);
  const auto [x0, y0, x1, y1] = landmark_bounds(p);
  const double w = x1 - x0, h = y1 - y0;
  // The landmarks stop at the brows: reach up over the forehead, out over the cheeks and the ears' roots.
  const Point2f centre{float(0.5 * (x0 + x1)), float(0.5 * (y0 + y1) - 0.12 * h)};
  std::vector<float> mask(std::size_t(side) * side, 0.0f);
  add_ellipse(mask, side, centre, 0.62 * w + 1.0, 0.66 * h + 1.0, feather);
  return mask;
}

std::vector<float> outline_hull_mask(const std::vector<std::vector<Point2f>>& landmark_sets, int side) {
  FERGUARD_CHECK(side >= 1, "mask side: expected >= 1, got {}", side);
  std::vector<cv::Point> points, hull;
  for (const auto& set : landmark_sets)
    for (const Point2f& p : face_outline(set)) points.emplace_back(int(std::lround(p.x)), int(std::lround(p.y)));
  std::vector<float> mask(std::size_t(side) * side, 0.0f);
  if (points.empty()) return mask;
  cv::convexHull(points, hull);
  cv::Mat m(side, side, CV_32F, mask.data());
  cv::fillConvexPoly(m, hull, cv::Scalar(1.0));
  return mask;
}

std::vector<float> expression_mask(const std::vector<Point2f>& p, int side) {
  check_landmarks(p, side);
  std::vector<float> mask(std::size_t(side) * side, 0.0f);
  const Point2f le = mean_of(p, 36, 42), re = mean_of(p, 42, 48), mouth = mean_of(p, 48, 68);
  const double eye_dist = std::hypot(re.x - le.x, re.y - le.y) + 1.0;
  // Each brow with its eye; the mouth with the nasolabial folds and the chin's top.
  for (const auto& [brow, eye] : {std::pair{mean_of(p, 17, 22), le}, std::pair{mean_of(p, 22, 27), re}}) {
    const Point2f c{0.5f * (brow.x + eye.x), 0.5f * (brow.y + eye.y)};
    add_ellipse(mask, side, c, 0.55 * eye_dist, 0.5 * eye_dist, 0.4);
  }
  add_ellipse(mask, side, mouth, 0.75 * eye_dist, 0.5 * eye_dist, 0.4);
  return mask;
}

namespace {

// The canvas `t` (times 255) and, when given, `alpha` as a fourth channel, resized to the canvas rect; then
// apply(pixel, values) for every image pixel under the rect.
template <class Apply>
void over_rect(Image& image, const Canvas& canvas, const Tensor4& t, const std::vector<float>* alpha, Apply apply) {
  const int ch = alpha ? 4 : 3;
  cv::Mat hwc(canvas.side, canvas.side, CV_32FC(ch));
  for (int y = 0; y < canvas.side; ++y)
    for (int x = 0; x < canvas.side; ++x) {
      float* px = hwc.ptr<float>(y) + ch * x;
      for (int c = 0; c < 3; ++c) px[c] = t.at(0, c, y, x) * 255.0f;
      if (alpha) px[3] = (*alpha)[std::size_t(y) * canvas.side + x];
    }
  const PixelRect& r = canvas.rect;
  cv::Mat up;
  cv::resize(hwc, up, cv::Size(r.width, r.height), 0, 0, canvas.side > r.width ? cv::INTER_AREA : cv::INTER_LINEAR);
  const int x0 = std::max(0, r.x), y0 = std::max(0, r.y);
  const int x1 = std::min(image.width(), r.x + r.width), y1 = std::min(image.height(), r.y + r.height);
  for (int y = y0; y < y1; ++y) {
    const float* d = up.ptr<float>(y - r.y);
    for (int x = x0; x < x1; ++x) apply(&image.at(y, x, 0), d + ch * (x - r.x));
  }
}

std::uint8_t to_byte(double v) { return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

void paste_delta(Image& image, const Canvas& canvas, const Tensor4& delta) {
  const Shape4& s = delta.shape();
  FERGUARD_CHECK(s.n == 1 && s.c == 3 && s.h == canvas.side && s.w == canvas.side,
                 "paste_delta: expected a 1x3x{}x{} delta, got {}", canvas.side, canvas.side, s.str());
  FERGUARD_CHECK(image.channels() == 3, "paste_delta: expected an RGB image");
  over_rect(image, canvas, delta, nullptr, [](std::uint8_t* v, const float* d) {
    for (int c = 0; c < 3; ++c) v[c] = to_byte(v[c] + d[c]);
  });
}

void paste_blend(Image& image, const Canvas& canvas, const Tensor4& published, const std::vector<float>& alpha) {
  const Shape4& s = published.shape();
  FERGUARD_CHECK(s.n == 1 && s.c == 3 && s.h == canvas.side && s.w == canvas.side &&
                     alpha.size() == std::size_t(canvas.side) * canvas.side,
                 "paste_blend: expected a 1x3x{}x{} canvas and {} alpha values, got {} and {}", canvas.side,
                 canvas.side, std::size_t(canvas.side) * canvas.side, s.str(), alpha.size());
  FERGUARD_CHECK(image.channels() == 3, "paste_blend: expected an RGB image");
  over_rect(image, canvas, published, &alpha, [](std::uint8_t* v, const float* d) {
    const float a = std::clamp(d[3], 0.0f, 1.0f);
    for (int c = 0; c < 3; ++c) v[c] = to_byte(a * d[c] + (1.0f - a) * v[c]);
  });
}

void mask_face(Image& image, const FaceBox& box) {
  const double cx = box.x + 0.5 * box.width, cy = box.y + 0.5 * box.height;
  const double hw = 0.65 * std::max(1.0f, box.width), hh = 0.65 * std::max(1.0f, box.height);
  const int x0 = std::max(0, int(std::floor(cx - hw))), x1 = std::min(image.width(), int(std::ceil(cx + hw)));
  const int y0 = std::max(0, int(std::floor(cy - hh))), y1 = std::min(image.height(), int(std::ceil(cy + hh)));
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x)
      for (int c = 0; c < image.channels(); ++c) image.at(y, x, c) = 128;
}

float landmark_box_side(const std::vector<Point2f>& p) {
  if (p.size() != std::size_t(kNumFaceLandmarks)) return 0.0f;
  for (const Point2f& q : p)
    if (!std::isfinite(q.x) || !std::isfinite(q.y)) return 0.0f;
  const LandmarkBounds b = landmark_bounds(p);
  return std::min(b.x1 - b.x0, b.y1 - b.y0);
}

}  // namespace ferguard::detail
