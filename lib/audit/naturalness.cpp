// Naturalness checks of a published face: re-detection, expression landmarks, colourfulness.
#include "ferguard/audit/naturalness.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "detail/box_iou.h"
#include "detail/check.h"
#include "ferguard/face/face_geometry.h"

namespace ferguard {
namespace {

// Brows, eyes, outer lips and inner lips: where the expression lives.
constexpr LandmarkGroup kGroups[] = {kLeftBrow, kRightBrow, kLeftEye, kRightEye, {48, 60}, {60, 68}};

}  // namespace

float colourfulness(const Image& image, const std::vector<Point2f>& region) {
  FERGUARD_CHECK(!image.empty() && image.channels() == 3, "colourfulness: expected an RGB image");
  FERGUARD_CHECK(region.size() >= 3, "colourfulness: expected a polygon of at least 3 points, got {}", region.size());
  std::vector<cv::Point> poly, hull;
  for (const Point2f& p : region) poly.emplace_back(int(std::lround(p.x)), int(std::lround(p.y)));
  cv::convexHull(poly, hull);
  cv::Mat mask(image.height(), image.width(), CV_8U, cv::Scalar(0));
  cv::fillConvexPoly(mask, hull, cv::Scalar(1));
  double srg = 0, syb = 0, qrg = 0, qyb = 0;
  std::size_t n = 0;
  for (int y = 0; y < image.height(); ++y) {
    const std::uint8_t* m = mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < image.width(); ++x) {
      if (!m[x]) continue;
      const double r = image.at(y, x, 0), g = image.at(y, x, 1), b = image.at(y, x, 2);
      const double rg = r - g, yb = 0.5 * (r + g) - b;
      srg += rg, syb += yb, qrg += rg * rg, qyb += yb * yb;
      ++n;
    }
  }
  if (n == 0) return 0.0f;
  const double mrg = srg / n, myb = syb / n;
  const double vrg = std::max(0.0, qrg / n - mrg * mrg), vyb = std::max(0.0, qyb / n - myb * myb);
  return float(std::sqrt(vrg + vyb) + 0.3 * std::sqrt(mrg * mrg + myb * myb));
}

float expression_landmark_error(const std::vector<Point2f>& a, const std::vector<Point2f>& b) {
  const float iod = std::max(1e-3f, inter_ocular(a));
  FERGUARD_CHECK(b.size() == std::size_t(kNumFaceLandmarks), "expression_landmark_error: expected {} landmarks, got {}",
                 kNumFaceLandmarks, b.size());
  float worst = 0.0f;
  for (const LandmarkGroup& g : kGroups) {
    const Point2f ca = group_centroid(a, g), cb = group_centroid(b, g);
    double sum = 0;
    for (int i = g.begin; i < g.end; ++i)
      sum += std::hypot((a[i].x - ca.x) - (b[i].x - cb.x), (a[i].y - ca.y) - (b[i].y - cb.y));
    worst = std::max(worst, float(sum / (g.end - g.begin) / iod));
  }
  return worst;
}

Naturalness check_naturalness(const Image& original_image, const Image& published_image, const Face& original,
                              const std::vector<Face>& found, const NaturalnessLimits& limits) {
  Naturalness n;
  const Face* best = nullptr;
  for (const Face& f : found) {
    const float v = detail::box_iou(original.box, f.box);
    if (v > n.iou) n.iou = v, best = &f;
  }
  n.redetected = best != nullptr && n.iou >= limits.min_iou;
  if (n.redetected && best->landmarks.size() == std::size_t(kNumFaceLandmarks)) {
    n.landmark_error = expression_landmark_error(original.landmarks, best->landmarks);
    n.landmarks_ok = n.landmark_error <= limits.max_landmark_error;
  }
  const std::vector<Point2f> region = face_outline(original.landmarks);
  n.original_colourfulness = colourfulness(original_image, region);
  n.colourfulness = colourfulness(published_image, region);
  n.colour_ok = n.original_colourfulness > 0.0f
                    ? std::abs(n.colourfulness / n.original_colourfulness - 1.0f) <= limits.max_colour_change
                    : n.colourfulness <= 1.0f;
  return n;
}

}  // namespace ferguard
