// Similarity alignment (closed-form Umeyama), Procrustes mean shape, Delaunay mesh and piecewise-affine warp.
#include "ferguard/face/face_geometry.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "detail/check.h"

namespace ferguard {

Point2f Similarity::apply(const Point2f& p) const {
  return {float(a * p.x - b * p.y + tx), float(b * p.x + a * p.y + ty)};
}

std::vector<Point2f> Similarity::apply(const std::vector<Point2f>& points) const {
  std::vector<Point2f> out;
  out.reserve(points.size());
  for (const Point2f& p : points) out.push_back(apply(p));
  return out;
}

double Similarity::scale() const { return std::hypot(a, b); }

Similarity Similarity::inverse() const {
  const double n = a * a + b * b;
  FERGUARD_CHECK(n > 0.0, "Similarity::inverse: the map has scale 0");
  // The inverse of [[a, -b], [b, a]] is [[a, b], [-b, a]] / n.
  Similarity s{a / n, -b / n, 0.0, 0.0};
  s.tx = -(s.a * tx - s.b * ty);
  s.ty = -(s.b * tx + s.a * ty);
  return s;
}

namespace {

void check_points(const std::vector<Point2f>& p, const char* what) {
  for (std::size_t i = 0; i < p.size(); ++i)
    FERGUARD_CHECK(std::isfinite(p[i].x) && std::isfinite(p[i].y), "{}: point {} is not finite", what, i);
}

void check_landmarks(const std::vector<Point2f>& p, const char* what) {
  FERGUARD_CHECK(p.size() == std::size_t(kNumFaceLandmarks), "{}: expected {} landmarks, got {}", what,
                 kNumFaceLandmarks, p.size());
  check_points(p, what);
}

}  // namespace

Similarity fit_similarity(const std::vector<Point2f>& from, const std::vector<Point2f>& to) {
  FERGUARD_CHECK(from.size() == to.size(), "fit_similarity: {} source points but {} target points", from.size(),
                 to.size());
  FERGUARD_CHECK(from.size() >= 2, "fit_similarity: expected at least 2 points, got {}", from.size());
  check_points(from, "fit_similarity source");
  check_points(to, "fit_similarity target");
  const double n = double(from.size());
  double mx = 0, my = 0, nx = 0, ny = 0;
  for (std::size_t i = 0; i < from.size(); ++i) {
    mx += from[i].x;
    my += from[i].y;
    nx += to[i].x;
    ny += to[i].y;
  }
  mx /= n, my /= n, nx /= n, ny /= n;
  // With centred p, q: a = sum(p.q) / sum|p|^2, b = sum(p x q) / sum|p|^2 minimise sum |S p - q|^2.
  double pp = 0, dot = 0, cross = 0;
  for (std::size_t i = 0; i < from.size(); ++i) {
    const double px = from[i].x - mx, py = from[i].y - my, qx = to[i].x - nx, qy = to[i].y - ny;
    pp += px * px + py * py;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
  }
  FERGUARD_CHECK(pp > 1e-12, "fit_similarity: the source points coincide");
  Similarity s{dot / pp, cross / pp, 0.0, 0.0};
  s.tx = nx - (s.a * mx - s.b * my);
  s.ty = ny - (s.b * mx + s.a * my);
  return s;
}

Point2f group_centroid(const std::vector<Point2f>& p, LandmarkGroup g) {
  FERGUARD_CHECK(g.begin >= 0 && g.end > g.begin && std::size_t(g.end) <= p.size(),
                 "group_centroid: group [{}, {}) outside {} points", g.begin, g.end, p.size());
  double x = 0, y = 0;
  for (int i = g.begin; i < g.end; ++i) {
    x += p[i].x;
    y += p[i].y;
  }
  return {float(x / (g.end - g.begin)), float(y / (g.end - g.begin))};
}

float inter_ocular(const std::vector<Point2f>& p) {
  check_landmarks(p, "inter_ocular");
  const Point2f l = group_centroid(p, kLeftEye), r = group_centroid(p, kRightEye);
  return std::hypot(r.x - l.x, r.y - l.y);
}

float yaw_proxy(const std::vector<Point2f>& p) {
  check_landmarks(p, "yaw_proxy");
  const double ax = p[16].x - p[0].x, ay = p[16].y - p[0].y, n2 = ax * ax + ay * ay;
  if (!(n2 > 1e-12)) return 0.0f;
  return float(((p[30].x - p[0].x) * ax + (p[30].y - p[0].y) * ay) / n2 - 0.5);
}

std::vector<Point2f> face_outline(const std::vector<Point2f>& p) {
  const float iod = inter_ocular(p);  // checks the landmarks
  const Point2f l = group_centroid(p, kLeftEye), r = group_centroid(p, kRightEye), m = group_centroid(p, kMouth);
  double ux = 0.5 * (l.x + r.x) - m.x, uy = 0.5 * (l.y + r.y) - m.y;
  const double n = std::hypot(ux, uy);
  if (n > 1e-6) {
    ux /= n, uy /= n;
  } else {  // no vertical axis: take the normal of the eye line
    ux = (r.y - l.y) / std::max(1e-6f, iod), uy = -(r.x - l.x) / std::max(1e-6f, iod);
  }
  std::vector<Point2f> out(p.begin() + kJaw.begin, p.begin() + kJaw.end);
  for (int i = kRightBrow.end - 1; i >= kLeftBrow.begin; --i)
    out.push_back({float(p[i].x + kForeheadRise * iod * ux), float(p[i].y + kForeheadRise * iod * uy)});
  return out;
}

Similarity to_canonical(const std::vector<Point2f>& p, const CanonicalFrame& frame) {
  check_landmarks(p, "to_canonical");
  return fit_similarity({group_centroid(p, kLeftEye), group_centroid(p, kRightEye)},
                        {frame.left_eye(), frame.right_eye()});
}

std::vector<Point2f> mean_shape(const std::vector<std::vector<Point2f>>& shapes, const CanonicalFrame& frame,
                                int iterations) {
  FERGUARD_CHECK(!shapes.empty(), "mean_shape: expected at least one shape");
  FERGUARD_CHECK(frame.side >= 16, "mean_shape: canonical side {} is below 16", frame.side);
  for (std::size_t i = 0; i < shapes.size(); ++i) check_landmarks(shapes[i], "mean_shape");
  std::vector<Point2f> mean = to_canonical(shapes[0], frame).apply(shapes[0]);
  for (int it = 0; it < std::max(1, iterations); ++it) {
    std::vector<double> acc(2 * kNumFaceLandmarks, 0.0);
    for (const auto& s : shapes) {
      const std::vector<Point2f> a = fit_similarity(s, mean).apply(s);
      for (int k = 0; k < kNumFaceLandmarks; ++k) {
        acc[2 * k] += a[k].x;
        acc[2 * k + 1] += a[k].y;
      }
    }
    for (int k = 0; k < kNumFaceLandmarks; ++k)
      mean[k] = {float(acc[2 * k] / shapes.size()), float(acc[2 * k + 1] / shapes.size())};
    mean = to_canonical(mean, frame).apply(mean);
  }
  return mean;
}

namespace {

double signed_area(const Point2f& a, const Point2f& b, const Point2f& c) {
  return 0.5 * (double(b.x - a.x) * (c.y - a.y) - double(b.y - a.y) * (c.x - a.x));
}

// The landmarks the mesh is made of. Left out, because their small triangles fold under ordinary pose and expression
// (measured on face-api's 22 sample faces): the nose ridge's middle (28, 29) and the nostrils' inner points (32, 34),
// which cross as the head turns, and the inner lips (60-67), which coincide or cross on a closed mouth. The outer
// lips carry the mouth's shape; every left-out point still moves with the triangle it lies in.
bool in_mesh(int i) {
  if (i >= kNumFaceLandmarks) return true;  // frame points
  return !(i == 28 || i == 29 || i == 32 || i == 34 || (i >= 60 && i < 68));
}

// The frame square of a shape in its own (upright) coordinates.
std::vector<Point2f> frame_square(const std::vector<Point2f>& reference) {
  const Point2f l = group_centroid(reference, kLeftEye), r = group_centroid(reference, kRightEye);
  const double iod = std::hypot(r.x - l.x, r.y - l.y);
  const double cx = 0.5 * (l.x + r.x), cy = 0.5 * (l.y + r.y) + 0.55 * iod, h = 1.6 * iod;
  std::vector<Point2f> f;
  for (const auto& [dx, dy] : {std::pair{-1, -1}, {0, -1}, {1, -1}, {1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}})
    f.push_back({float(cx + dx * h), float(cy + dy * h)});
  return f;
}

}  // namespace

FaceMesh::FaceMesh(const std::vector<Point2f>& reference) : reference_(reference) {
  check_landmarks(reference, "FaceMesh reference");
  FERGUARD_CHECK(inter_ocular(reference) > 1e-3f, "FaceMesh reference: the eye centres coincide");
  std::vector<Point2f> pts = reference;
  for (const Point2f& p : frame_square(reference)) pts.push_back(p);
  float x0 = pts[0].x, y0 = pts[0].y, x1 = x0, y1 = y0;
  for (const Point2f& p : pts) {
    x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
  }
  cv::Subdiv2D sub(cv::Rect(int(std::floor(x0)) - 2, int(std::floor(y0)) - 2, int(std::ceil(x1 - x0)) + 5,
                            int(std::ceil(y1 - y0)) + 5));
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (!in_mesh(int(i))) continue;
    for (std::size_t j = 0; j < i; ++j)
      FERGUARD_CHECK(pts[j].x != pts[i].x || pts[j].y != pts[i].y, "FaceMesh reference: points {} and {} coincide", j,
                     i);
    sub.insert(cv::Point2f(pts[i].x, pts[i].y));
  }
  std::vector<cv::Vec6f> list;
  sub.getTriangleList(list);
  // Subdiv2D returns coordinates; find each vertex among the inserted points (the nearest, within a hair).
  auto index_of = [&](float x, float y) {
    int best = -1;
    double bd = 1e-3;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      const double d = std::hypot(double(pts[i].x) - x, double(pts[i].y) - y);
      if (d < bd) bd = d, best = int(i);
    }
    return best;
  };
  for (const cv::Vec6f& t : list) {
    const int a = index_of(t[0], t[1]), b = index_of(t[2], t[3]), c = index_of(t[4], t[5]);
    if (a < 0 || b < 0 || c < 0) continue;  // a triangle on Subdiv2D's virtual outer vertices
    const double area = signed_area(pts[a], pts[b], pts[c]);
    if (std::abs(area) < 1e-6) continue;
    triangles_.push_back({a, b, c});
    orientation_.push_back(area > 0 ? 1 : -1);
  }
  FERGUARD_CHECK(!triangles_.empty(), "FaceMesh reference: the triangulation is empty");
}

std::vector<Point2f> FaceMesh::control_points(const std::vector<Point2f>& landmarks) const {
  check_landmarks(landmarks, "FaceMesh::control_points");
  const Similarity s = fit_similarity(reference_, landmarks);
  std::vector<Point2f> out = landmarks;
  for (const Point2f& p : frame_square(reference_)) out.push_back(s.apply(p));
  return out;
}

int FaceMesh::bad_triangles(const std::vector<Point2f>& cp, double min_area) const {
  FERGUARD_CHECK(cp.size() == std::size_t(kNumFaceLandmarks + kFramePoints),
                 "FaceMesh::bad_triangles: expected {} control points, got {}", kNumFaceLandmarks + kFramePoints,
                 cp.size());
  int bad = 0;
  for (std::size_t t = 0; t < triangles_.size(); ++t) {
    const auto& [a, b, c] = triangles_[t];
    const double area = signed_area(cp[a], cp[b], cp[c]);
    if (area * orientation_[t] <= 0.0 || std::abs(area) < min_area) ++bad;
  }
  return bad;
}

double FaceMesh::folded_fraction(const std::vector<Point2f>& cp) const {
  FERGUARD_CHECK(cp.size() == std::size_t(kNumFaceLandmarks + kFramePoints),
                 "FaceMesh::folded_fraction: expected {} control points, got {}", kNumFaceLandmarks + kFramePoints,
                 cp.size());
  double folded = 0.0, total = 0.0;
  for (std::size_t t = 0; t < triangles_.size(); ++t) {
    const auto& [a, b, c] = triangles_[t];
    if (a >= kNumFaceLandmarks && b >= kNumFaceLandmarks) continue;  // frame triangles: outside the face
    const double area = signed_area(cp[a], cp[b], cp[c]);
    total += std::abs(area);
    if (area * orientation_[t] <= 0.0) folded += std::abs(area);
  }
  return total > 0.0 ? folded / total : 1.0;
}

Tensor4 FaceMesh::warp(const Tensor4& src, const std::vector<Point2f>& from, const std::vector<Point2f>& to, int out_h,
                       int out_w) const {
  const std::size_t n = std::size_t(kNumFaceLandmarks + kFramePoints);
  FERGUARD_CHECK(from.size() == n && to.size() == n, "FaceMesh::warp: expected {} control points, got {} and {}", n,
                 from.size(), to.size());
  check_points(from, "FaceMesh::warp source");
  check_points(to, "FaceMesh::warp target");
  const Shape4& s = src.shape();
  FERGUARD_CHECK(s.n == 1 && s.c >= 1 && s.h >= 1 && s.w >= 1, "FaceMesh::warp: expected a 1xCxHxW image, got {}",
                 s.str());
  FERGUARD_CHECK(out_h >= 1 && out_w >= 1 && out_h <= 8192 && out_w <= 8192,
                 "FaceMesh::warp: output size {}x{} outside 1..8192", out_h, out_w);
  // Output pixel centre (x + 0.5, y + 0.5) -> source point; remap reads pixel index coordinates (centre at i).
  const Similarity fallback = fit_similarity(to, from);
  cv::Mat mapx(out_h, out_w, CV_32F), mapy(out_h, out_w, CV_32F);
  for (int y = 0; y < out_h; ++y)
    for (int x = 0; x < out_w; ++x) {
      const Point2f q = fallback.apply(Point2f{x + 0.5f, y + 0.5f});
      mapx.at<float>(y, x) = q.x - 0.5f;
      mapy.at<float>(y, x) = q.y - 0.5f;
    }
  for (const auto& [a, b, c] : triangles_) {
    const Point2f &A = to[a], &B = to[b], &C = to[c];
    const double det = double(B.x - A.x) * (C.y - A.y) - double(C.x - A.x) * (B.y - A.y);
    if (std::abs(det) < 1e-9) continue;
    const int x0 = std::max(0, int(std::floor(std::min({A.x, B.x, C.x}) - 0.5f)));
    const int x1 = std::min(out_w - 1, int(std::ceil(std::max({A.x, B.x, C.x}) - 0.5f)));
    const int y0 = std::max(0, int(std::floor(std::min({A.y, B.y, C.y}) - 0.5f)));
    const int y1 = std::min(out_h - 1, int(std::ceil(std::max({A.y, B.y, C.y}) - 0.5f)));
    const Point2f &P = from[a], &Q = from[b], &R = from[c];
    constexpr double kEdge = -1e-7;  // pixels on a shared edge belong to either triangle; both give the same point
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) {
        const double px = x + 0.5 - A.x, py = y + 0.5 - A.y;
        const double u = (px * (C.y - A.y) - py * (C.x - A.x)) / det;  // weight of B
        const double v = (py * (B.x - A.x) - px * (B.y - A.y)) / det;  // weight of C
        if (u < kEdge || v < kEdge || u + v > 1.0 - kEdge) continue;
        const double w = 1.0 - u - v;
        mapx.at<float>(y, x) = float(w * P.x + u * Q.x + v * R.x - 0.5);
        mapy.at<float>(y, x) = float(w * P.y + u * Q.y + v * R.y - 0.5);
      }
  }
  Tensor4 out(Shape4{1, s.c, out_h, out_w});
  for (int c = 0; c < s.c; ++c) {
    const cv::Mat plane(s.h, s.w, CV_32F, const_cast<float*>(src.plane(0, c)));
    cv::Mat dst(out_h, out_w, CV_32F, out.plane(0, c));
    cv::remap(plane, dst, mapx, mapy, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  }
  return out;
}

}  // namespace ferguard
