// The synthetic face renderer. Shapes are built as point lists in design units (the face's own frame),
// mapped through one view transform (roll, scale, shift, yaw-like squeeze with depth-dependent shift) and
// drawn with OpenCV's anti-aliased fillPoly/polylines at 4 bits of sub-pixel precision, so a face never
// goes through a resampling step. Skin texture and shading are evaluated per pixel in face coordinates.
#include "data/synth_render.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "detail/hash_rng.h"

namespace ferguard::detail {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kShift = 4;  // OpenCV sub-pixel bits
constexpr double kFix = 1 << kShift;
using Pts = std::vector<cv::Point2d>;

Rgb mix(const Rgb& a, const Rgb& b, double t) {
  t = std::clamp(t, 0.0, 1.0);
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}
Rgb mul(const Rgb& a, double f) { return {a.r * f, a.g * f, a.b * f}; }
Rgb mul(const Rgb& a, double fr, double fg, double fb) { return {a.r * fr, a.g * fg, a.b * fb}; }
cv::Scalar scalar(const Rgb& c) {
  return cv::Scalar(std::clamp(c.r, 0.0, 255.0), std::clamp(c.g, 0.0, 255.0), std::clamp(c.b, 0.0, 255.0));
}
Rgb jitter(const Rgb& c, CounterRng& r, double a) { return {c.r + r.sym(a), c.g + r.sym(a), c.b + r.sym(a)}; }

// Maps design units (face frame) to pixels. `depth` in [0, 1] says how far in front of the face plane a
// point is: with yaw, points further in front move further sideways (the nose more than the ears).
struct View {
  double m00, m01, m10, m11, tx, ty, squeeze, yaw_shift;

  View(const Nuisance& n, int size) {
    const double s = size / 112.0 * n.scale, a = n.roll_deg * kPi / 180.0;
    m00 = s * std::cos(a);
    m01 = -s * std::sin(a);
    m10 = s * std::sin(a);
    m11 = s * std::cos(a);
    tx = (56.0 + n.shift_x) * size / 112.0 - 0.5;
    ty = (58.0 + n.shift_y) * size / 112.0 - 0.5;
    squeeze = 1.0 - 0.18 * std::abs(n.yaw);
    yaw_shift = 7.0 * n.yaw;
  }
  cv::Point2d px(cv::Point2d p, double depth) const {
    const double x = p.x * squeeze + yaw_shift * depth;
    return {m00 * x + m01 * p.y + tx, m10 * x + m11 * p.y + ty};
  }
  cv::Point fixed(cv::Point2d p, double depth) const {
    const cv::Point2d q = px(p, depth);
    return {static_cast<int>(std::lround(q.x * kFix)), static_cast<int>(std::lround(q.y * kFix))};
  }
  // Pixel -> face plane (depth 0).
  cv::Point2d inverse(double px_x, double px_y) const {
    const double det = m00 * m11 - m01 * m10;
    const double dx = px_x - tx, dy = px_y - ty;
    const double x = (m11 * dx - m01 * dy) / det, y = (-m10 * dx + m00 * dy) / det;
    return {x / squeeze, y};
  }
  double pixels_per_unit() const { return std::sqrt(m00 * m00 + m10 * m10); }
};

class Painter {
 public:
  Painter(cv::Mat& canvas, const View& view) : canvas_(canvas), view_(view) {}

  void fill(const Pts& pts, double depth, const Rgb& c, cv::Mat* mask = nullptr) {
    std::vector<cv::Point> q = to_fixed(pts, depth);
    const cv::Point* data = q.data();
    const int n = static_cast<int>(q.size());
    cv::fillPoly(canvas_, &data, &n, 1, scalar(c), cv::LINE_AA, kShift);
    if (mask) cv::fillPoly(*mask, &data, &n, 1, cv::Scalar(255), cv::LINE_8, kShift);
  }
  // A stroke `width` design units wide (at least one pixel).
  void stroke(const Pts& pts, double depth, const Rgb& c, double width = 0.9) {
    std::vector<cv::Point> q = to_fixed(pts, depth);
    const int t = std::max(1, static_cast<int>(std::lround(width * view_.pixels_per_unit())));
    cv::polylines(canvas_, q, false, scalar(c), t, cv::LINE_AA, kShift);
  }
  void dot(cv::Point2d p, double radius, double depth, const Rgb& c) {
    const int r = std::max(1, static_cast<int>(std::lround(radius * view_.pixels_per_unit() * kFix)));
    cv::circle(canvas_, view_.fixed(p, depth), r, scalar(c), cv::FILLED, cv::LINE_AA, kShift);
  }
  std::vector<cv::Point> to_fixed(const Pts& pts, double depth) const {
    std::vector<cv::Point> q;
    q.reserve(pts.size());
    for (const auto& p : pts) q.push_back(view_.fixed(p, depth));
    return q;
  }
  cv::Mat& canvas() { return canvas_; }
  const View& view() const { return view_; }

 private:
  cv::Mat& canvas_;
  const View& view_;
};

Pts ellipse_pts(cv::Point2d c, double ax, double ay, double a0 = 0, double a1 = 2 * kPi, int n = 28) {
  Pts p;
  for (int i = 0; i <= n; ++i) {
    const double a = a0 + (a1 - a0) * i / n;
    p.emplace_back(c.x + ax * std::cos(a), c.y + ay * std::sin(a));
  }
  return p;
}

cv::Point2d bezier(cv::Point2d p0, cv::Point2d p1, cv::Point2d p2, cv::Point2d p3, double t) {
  const double u = 1 - t;
  return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
}
cv::Point2d quad(cv::Point2d p0, cv::Point2d p1, cv::Point2d p2, double t) {
  const double u = 1 - t;
  return u * u * p0 + 2 * u * t * p1 + t * t * p2;
}

Pts reversed(Pts p) {
  std::reverse(p.begin(), p.end());
  return p;
}
Pts concat(Pts a, const Pts& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The head outline: upper half-ellipse, then a cubic jaw on each side; the chin drops with the jaw.
Pts head_outline(const FaceIdentity& f, double jaw_drop) {
  const double W = f.half_width, T = f.top, B = f.bottom + jaw_drop;
  Pts p = ellipse_pts({0, 0}, W, T, kPi, 2 * kPi, 24);  // left cheek, over the crown, right cheek
  for (int i = 1; i <= 14; ++i)
    p.push_back(bezier({W, 0}, {W * f.jaw, B * f.jaw_depth}, {W * f.chin, B}, {0, B}, i / 14.0));
  for (int i = 13; i >= 1; --i)
    p.push_back(bezier({-W, 0}, {-W * f.jaw, B * f.jaw_depth}, {-W * f.chin, B}, {0, B}, i / 14.0));
  return p;
}

// Value noise on a lattice with `cell` design units per cell, bilinear between lattice values in [-1, 1].
class ValueNoise {
 public:
  ValueNoise(std::uint64_t key, double cell, double x0, double y0, double x1, double y1)
      : cell_(cell), x0_(x0), y0_(y0) {
    nx_ = static_cast<int>((x1 - x0) / cell) + 3;
    ny_ = static_cast<int>((y1 - y0) / cell) + 3;
    v_.resize(static_cast<std::size_t>(nx_) * ny_);
    for (int j = 0; j < ny_; ++j)
      for (int i = 0; i < nx_; ++i) v_[j * nx_ + i] = static_cast<float>(2 * unit_from_hash(hash_tuple(key, i, j)) - 1);
  }
  double at(double x, double y) const {
    const double gx = std::clamp((x - x0_) / cell_, 0.0, nx_ - 2.001), gy = std::clamp((y - y0_) / cell_, 0.0, ny_ - 2.001);
    const int i = static_cast<int>(gx), j = static_cast<int>(gy);
    const double fx = gx - i, fy = gy - j;
    const float* r0 = &v_[j * nx_ + i];
    const float* r1 = r0 + nx_;
    return (r0[0] * (1 - fx) + r0[1] * fx) * (1 - fy) + (r1[0] * (1 - fx) + r1[1] * fx) * fy;
  }

 private:
  double cell_, x0_, y0_;
  int nx_, ny_;
  std::vector<float> v_;
};

double bump(double dx, double dy, double r) {
  const double d2 = (dx * dx + dy * dy) / (r * r);
  return 1.0 / ((1 + d2) * (1 + d2));
}

// --- the parts of a face, in drawing order -------------------------------------------------------------

void draw_background(cv::Mat& m, const Nuisance& n) {
  for (int y = 0; y < m.rows; ++y) {
    const Rgb c = mix(n.background_top, n.background_bottom, static_cast<double>(y) / m.rows);
    m.row(y).setTo(scalar(c));
  }
}

// The hair behind the head (long hair falls on both sides; a volume style is a bumpy halo).
void draw_back_hair(Painter& p, const FaceIdentity& f) {
  const double W = f.half_width, T = f.top;
  if (f.hair_style == 1) {
    Pts pts = ellipse_pts({0, 0}, W + 5, T + 5, kPi, 2 * kPi, 24);
    pts.emplace_back(W + 7, 70);
    pts.emplace_back(-W - 7, 70);
    p.fill(pts, -0.2, f.hair);
  } else if (f.hair_style == 5) {
    Pts pts;
    for (int i = 0; i <= 48; ++i) {
      const double a = kPi * 0.85 + kPi * 1.3 * i / 48.0;
      const double r = 1.0 + 0.045 * std::sin(9 * a);
      pts.emplace_back((W + 11) * r * std::cos(a), -6 + (T + 8) * r * std::sin(a));
    }
    p.fill(pts, -0.2, f.hair);
  }
}

// The hair in front: a cap from the temples over the crown down to a hairline.
void draw_front_hair(Painter& p, const FaceIdentity& f) {
  const double W = f.half_width, T = f.top;
  const double temple_y = f.hair_style == 1 ? -T * 0.05 : -T * 0.3;
  const double R = T + 3.5, RW = W + 2.5;
  const double at = std::asin(std::clamp(temple_y / R, -1.0, 0.0));
  Pts cap = ellipse_pts({0, 0}, RW, R, kPi - at, 2 * kPi + at, 24);
  // Hairline from the right temple back to the left one.
  const double hx = W * 0.93, top_y = -T + f.hairline;
  const int n = 20;
  for (int i = 0; i <= n; ++i) {
    const double s = kPi * i / n;
    double x = hx * std::cos(s);
    double y = temple_y + (top_y - temple_y) * std::pow(std::sin(s), f.hairline_round);
    if (f.hair_style == 3) {  // fringe: straight, low, jagged edge
      y = std::min(temple_y, -T * 0.42) + (i % 2) * 1.6 + 0.6 * std::sin(s * 3);
      y = std::max(y, temple_y + (top_y - temple_y) * std::pow(std::sin(s), 0.15));
    } else if (f.hair_style == 4) {  // side part: the hairline dips on one side
      y += f.part * 5.0 * std::exp(-std::pow((x - f.part * W * 0.4) / (W * 0.35), 2));
    }
    cap.emplace_back(x, y);
  }
  // Style 2 is a buzz cut: the cap shows the skin through the hair.
  p.fill(cap, 0, f.hair_style == 2 ? mix(f.hair, f.skin, 0.55) : f.hair);
  if (f.hair_style == 2) return;
  // A few strands give the hair a fine texture.
  CounterRng r(hash_tuple(f.texture_key, 77));
  const Rgb dark = mul(f.hair, 0.72), light = mix(f.hair, Rgb{255, 255, 255}, 0.18);
  for (int i = 0; i < 9; ++i) {
    const double x0 = r.sym(W * 0.5), x1 = x0 * 1.6 + r.sym(3);
    const double y0 = -T - 1.5, y1 = std::min(temple_y, top_y) - 1.0 - r.uniform(0, 3);
    p.stroke({{x0, y0}, {(x0 + x1) / 2 + r.sym(2), (y0 + y1) / 2}, {x1, y1}}, 0, i % 2 ? dark : light, 0.5);
  }
}

// Skin texture (two octaves of value noise keyed by identity) and smooth shading, per pixel, in the mask.
void shade_skin(cv::Mat& m, const cv::Mat& mask, const View& view, const FaceIdentity& f, const ExpressionState& e) {
  const double W = f.half_width;
  const ValueNoise fine(f.texture_key, 1.4, -W - 16, -f.top - 8, W + 16, 70);
  const ValueNoise mid(f.texture_key ^ 0xabcdef, 6.0, -W - 16, -f.top - 8, W + 16, 70);
  const double cheek_lift = 2.5 * e.au[kAu6] + 1.5 * e.au[kAu12];
  const double cheek_red = 0.05 + 0.08 * e.au[kAu6];
  for (int y = 0; y < m.rows; ++y) {
    const std::uint8_t* mk = mask.ptr<std::uint8_t>(y);
    cv::Vec3b* row = m.ptr<cv::Vec3b>(y);
    for (int x = 0; x < m.cols; ++x) {
      if (!mk[x]) continue;
      const cv::Point2d d = view.inverse(x, y);
      double g = 1.0 + f.texture_fine * fine.at(d.x, d.y) + f.texture_mid * mid.at(d.x, d.y);
      // Roundness: darker towards the sides and the jaw.
      const double rx = d.x / W, ry = d.y > 0 ? d.y / (f.bottom + 4) : d.y / (f.top + 4);
      g *= 1.0 - 0.16 * std::pow(std::min(1.0, rx * rx + 0.35 * ry * ry), 2);
      // Nose tip highlight, a shadow under the nose.
      g *= 1.0 + 0.06 * bump(d.x, d.y - f.nose_y + 3, 4.0) - 0.05 * bump(d.x, d.y - f.nose_y - 3, 3.0);
      // Cheek apples rise and redden with AU6.
      const double cheek = bump(std::abs(d.x) - W * 0.5, d.y - (f.eye_y + 12 - cheek_lift), 7.0);
      double r = g * (1 + cheek_red * cheek), gg = g * (1 - 0.3 * cheek_red * cheek), b = g * (1 - 0.3 * cheek_red * cheek);
      r += 0.05 * e.au[kAu6] * cheek;
      cv::Vec3b& px = row[x];
      px[0] = cv::saturate_cast<std::uint8_t>(px[0] * r);
      px[1] = cv::saturate_cast<std::uint8_t>(px[1] * gg);
      px[2] = cv::saturate_cast<std::uint8_t>(px[2] * b);
    }
  }
}

void draw_marks(Painter& p, const FaceIdentity& f) {
  const Rgb freckle = mul(f.skin, 0.8, 0.72, 0.68);
  for (const auto& v : f.freckles) p.dot({v[0], v[1]}, v[2], 0.3, freckle);
  const Rgb mole = mix(mul(f.skin, 0.45, 0.35, 0.3), Rgb{40, 25, 20}, 0.5);
  for (const auto& v : f.moles) p.dot({v[0], v[1]}, v[2], 0.3, mole);
}

void draw_stubble(Painter& p, const FaceIdentity& f, double jaw_drop) {
  if (f.stubble <= 0) return;
  CounterRng r(hash_tuple(f.texture_key, 91));
  const Rgb c = mix(f.skin, mul(f.hair, 0.8), 0.2 + 0.25 * f.stubble);
  const int n = static_cast<int>(180 * f.stubble);
  std::vector<cv::Point2f> outline;
  for (const auto& q : head_outline(f, 0)) outline.emplace_back(static_cast<float>(q.x * 0.94), static_cast<float>(q.y * 0.97));
  const double B = f.bottom + jaw_drop;
  for (int i = 0; i < n; ++i) {
    const double y = r.uniform(f.nose_y + 3, B - 1);
    const double half = f.half_width * 0.92 * std::sqrt(std::max(0.0, 1 - std::pow(y / B, 4)));
    const double x = r.sym(half);
    if (cv::pointPolygonTest(outline, cv::Point2f(static_cast<float>(x), static_cast<float>(y)), false) <= 0) continue;
    if (std::abs(y - f.mouth_y) < 3.5 && std::abs(x) < f.mouth_w + 1) continue;  // not on the lips
    p.dot({x, y + (y > f.mouth_y ? jaw_drop * (y - f.mouth_y) / (B - f.mouth_y) : 0)}, 0.28, 0.5, c);
  }
}

void draw_wrinkles(Painter& p, const FaceIdentity& f, const ExpressionState& e) {
  const double brow_y = f.eye_y - f.brow_gap;
  const double forehead = std::min(1.0, 0.5 * (e.au[kAu1] + e.au[kAu2]) + f.age);
  if (forehead > 0.08) {
    const Rgb c = mix(f.skin, mul(f.skin, 0.62), forehead);
    for (int j = 0; j < 3; ++j) {
      const double y = brow_y - 6.5 - 3.2 * j, w = f.half_width * (0.42 - 0.04 * j);
      p.stroke({{-w, y + 0.8}, {-w / 2, y - 0.4}, {0, y}, {w / 2, y - 0.4}, {w, y + 0.8}}, 0, c, 0.6);
    }
  }
  const double frown = std::min(1.0, e.au[kAu4]);
  if (frown > 0.08) {
    const Rgb c = mix(f.skin, mul(f.skin, 0.55), frown);
    for (int side : {-1, 1})
      p.stroke({{side * 1.6, brow_y - 1}, {side * 1.2, brow_y + 2}, {side * 1.5, brow_y + 5}}, 0.4, c, 0.6);
  }
}

void draw_eye(Painter& p, const FaceIdentity& f, const ExpressionState& e, int side) {
  const double cx = side * f.eye_spacing, cy = f.eye_y, ew = f.eye_w;
  const double open = std::clamp(1 + 1.0 * e.au[kAu5] - 0.5 * e.au[kAu7] - 0.4 * e.au[kAu6], 0.15, 2.2);
  const double hu = f.eye_h * open;
  const double hl = f.eye_h * 0.7 * std::max(0.15, 1 - 0.5 * e.au[kAu6] - 0.4 * e.au[kAu7] + 0.2 * e.au[kAu5]);
  const double t = ew * std::tan(f.eye_tilt * kPi / 180.0);
  const int n = 14;
  Pts upper, lower;
  for (int i = 0; i <= n; ++i) {
    const double u = -1 + 2.0 * i / n;  // -1 inner corner, +1 outer corner
    const double x = cx + side * u * ew, base = cy - u * t;
    upper.emplace_back(x, base - hu * std::pow(1 - u * u, 0.7) * (1 + 0.12 * u));
    lower.emplace_back(x, base + hl * std::pow(1 - u * u, 0.9));
  }
  const Pts eye = concat(upper, reversed(lower));
  const double depth = 0.45;
  const Rgb sclera{236, 232, 226};
  p.fill(eye, depth, sclera);

  // The iris and pupil, clipped by the lids: drawn on a copy of the eye's box, blended in by the eye mask.
  std::vector<cv::Point> q = p.to_fixed(eye, depth);
  cv::Rect box = cv::boundingRect(q);
  box = cv::Rect(box.x / static_cast<int>(kFix) - 2, box.y / static_cast<int>(kFix) - 2,
                 box.width / static_cast<int>(kFix) + 5, box.height / static_cast<int>(kFix) + 5) &
        cv::Rect(0, 0, p.canvas().cols, p.canvas().rows);
  if (box.area() > 0) {
    cv::Mat roi = p.canvas()(box);
    cv::Mat iris = roi.clone(), mask = cv::Mat::zeros(roi.size(), CV_8U);
    for (auto& v : q) v -= cv::Point(box.x * static_cast<int>(kFix), box.y * static_cast<int>(kFix));
    const cv::Point* data = q.data();
    const int nq = static_cast<int>(q.size());
    cv::fillPoly(mask, &data, &nq, 1, cv::Scalar(255), cv::LINE_AA, kShift);
    const View& v = p.view();
    const double ppu = v.pixels_per_unit();
    const cv::Point2d c = v.px({cx + side * 0.3 * e.au[kAu4], cy - hu * 0.12}, depth + 0.05) -
                          cv::Point2d(box.x, box.y);
    const double ri = ew * f.iris_ratio * ppu;
    auto circle = [&](cv::Point2d at, double r, const Rgb& col) {
      cv::circle(iris, cv::Point(static_cast<int>(std::lround(at.x * kFix)), static_cast<int>(std::lround(at.y * kFix))),
                 std::max(1, static_cast<int>(std::lround(r * kFix))), scalar(col), cv::FILLED, cv::LINE_AA, kShift);
    };
    circle(c, ri, mul(f.iris, 0.7));
    circle(c, ri * 0.82, f.iris);
    circle(c, ri * 0.42, Rgb{18, 14, 14});
    circle(c + cv::Point2d(-0.35 * ri, -0.35 * ri), std::max(0.5, ri * 0.2), Rgb{250, 250, 250});
    for (int y = 0; y < roi.rows; ++y)
      for (int x = 0; x < roi.cols; ++x) {
        const int a = mask.at<std::uint8_t>(y, x);
        if (!a) continue;
        cv::Vec3b& dst = roi.at<cv::Vec3b>(y, x);
        const cv::Vec3b& src = iris.at<cv::Vec3b>(y, x);
        for (int ch = 0; ch < 3; ++ch) dst[ch] = static_cast<std::uint8_t>((dst[ch] * (255 - a) + src[ch] * a + 127) / 255);
      }
  }
  // Lash line, lid crease, lower lid; crow's feet with AU6.
  p.stroke(upper, depth, mix(mul(f.brow, 0.6), Rgb{20, 16, 14}, 0.6), f.lash);
  Pts crease;
  for (const auto& v : upper) crease.emplace_back(v.x, v.y - 1.3 - 0.25 * f.eye_h);
  p.stroke(Pts(crease.begin() + 2, crease.end() - 1), depth, mul(f.skin, 0.8, 0.74, 0.72), 0.5);
  p.stroke(Pts(lower.begin() + 1, lower.end() - 1), depth, mul(f.skin, 0.82, 0.76, 0.74), 0.5);
  const double crows = std::min(1.0, e.au[kAu6] * 1.1);
  if (crows > 0.08) {
    const Rgb c = mix(f.skin, mul(f.skin, 0.6), crows);
    const double ox = cx + side * (ew + 1.2);
    for (int j = -1; j <= 1; ++j)
      p.stroke({{ox, cy + j * 1.2}, {ox + side * 3.2, cy + j * 2.4 - 0.5}}, depth, c, 0.5);
  }
}

void draw_brow(Painter& p, const FaceIdentity& f, const ExpressionState& e, int side) {
  const double base = f.eye_y - f.brow_gap;
  const double inner_x = side * (f.eye_spacing - f.eye_w * 0.95 - 1.8 * e.au[kAu4]);
  const double outer_x = side * (f.eye_spacing + f.eye_w * f.brow_len);
  const double inner_y = base - 6.0 * e.au[kAu1] + 4.5 * e.au[kAu4] + 1.0 * e.au[kAu9];
  const double outer_y = base + 1.0 - 5.0 * e.au[kAu2] + 0.6 * e.au[kAu4] + 0.8 * e.au[kAu1];
  const cv::Point2d a{inner_x, inner_y}, c{outer_x, outer_y};
  // The arch flattens when the inner brow rises (sadness, fear) and sharpens with AU2.
  const cv::Point2d b{(inner_x + outer_x) / 2, (inner_y + outer_y) / 2 - f.brow_arch - 1.2 * e.au[kAu2] +
                                                   1.0 * e.au[kAu1] * (1 - e.au[kAu2])};
  Pts top, bottom;
  const int n = 12;
  for (int i = 0; i <= n; ++i) {
    const double t = static_cast<double>(i) / n;
    const cv::Point2d q = quad(a, b, c, t), d = quad(a, b, c, std::min(1.0, t + 0.01)) - quad(a, b, c, std::max(0.0, t - 0.01));
    const double len = std::max(1e-9, std::hypot(d.x, d.y));
    const cv::Point2d normal{-d.y / len, d.x / len};
    const double th = f.brow_thick * (1.0 - 0.55 * t * t) * 0.5;
    top.push_back(q - normal * th);
    bottom.push_back(q + normal * th);
  }
  p.fill(concat(top, reversed(bottom)), 0.4, f.brow);
}

void draw_nose(Painter& p, const FaceIdentity& f, const ExpressionState& e) {
  const double ny = f.nose_y - 1.2 * e.au[kAu9] - 0.5 * e.au[kAu10], nw = f.nose_w * (1 + 0.12 * e.au[kAu9]);
  const Rgb line = mul(f.skin, 0.8, 0.74, 0.72);
  for (int side : {-1, 1}) {
    p.stroke({{side * 2.0, f.eye_y + 1}, {side * 2.4, (f.eye_y + ny) / 2}, {side * nw * 0.45, ny - 3}}, 0.7,
             mix(f.skin, line, 0.55), 0.5);
    // Nose wing.
    p.stroke(ellipse_pts({side * nw * 0.62, ny - 0.6}, nw * 0.36, 2.3, side > 0 ? -kPi * 0.6 : kPi * 0.6,
                         side > 0 ? kPi * 0.55 : kPi * 0.45, 10),
             0.8, line, 0.6);
    // Nostril.
    p.fill(ellipse_pts({side * nw * 0.33, ny + 0.6}, f.nostril * (1 + 0.25 * e.au[kAu9]), f.nostril * 0.55, 0, 2 * kPi, 14),
           0.9, mul(f.skin, 0.38, 0.3, 0.3));
  }
  p.stroke(ellipse_pts({0, ny - 0.2}, nw * 0.22, 1.3, kPi * 0.15, kPi * 0.85, 8), 1.0, line, 0.5);
  const double wrinkle = std::min(1.0, e.au[kAu9]);
  if (wrinkle > 0.08) {
    const Rgb c = mix(f.skin, mul(f.skin, 0.55), wrinkle);
    for (int j = 0; j < 3; ++j) {
      const double y = f.eye_y + 1.5 + 1.8 * j;
      p.stroke({{-3.2, y + 0.6}, {0, y}, {3.2, y + 0.6}}, 0.7, c, 0.5);
    }
  }
}

struct MouthShape {
  double half_width, corner_dy, gap, upper_raise;
};

MouthShape mouth_shape(const FaceIdentity& f, const ExpressionState& e) {
  const auto& a = e.au;
  MouthShape m;
  m.half_width = f.mouth_w * (1 + 0.3 * a[kAu12] + 0.32 * a[kAu20] - 0.12 * a[kAu23] - 0.35 * a[kAu27] - 0.05 * a[kAu17]);
  m.corner_dy = -5.0 * a[kAu12] + 4.5 * a[kAu15] + 0.8 * a[kAu20] - 0.6 * a[kAu10];
  m.gap = std::max(0.0, 1.8 * a[kAu25] + 9.0 * a[kAu26] + 2.0 * a[kAu27] + 0.8 * a[kAu10] - 1.0 * a[kAu23] - 0.8 * a[kAu17]);
  m.upper_raise = 1.8 * a[kAu10];
  return m;
}

void draw_nasolabial(Painter& p, const FaceIdentity& f, const ExpressionState& e, const MouthShape& m) {
  const double s = std::min(1.0, f.age + 0.8 * e.au[kAu12] + 0.6 * e.au[kAu10] + 0.5 * e.au[kAu9] + 0.3 * e.au[kAu20]);
  if (s < 0.06) return;
  const Rgb c = mix(f.skin, mul(f.skin, 0.66), s);
  for (int side : {-1, 1}) {
    const cv::Point2d a{side * (f.nose_w * 0.85 + 0.8), f.nose_y - 1 - e.au[kAu9]};
    const cv::Point2d z{side * (m.half_width + 2.2), f.mouth_y + m.corner_dy + 2.0};
    const cv::Point2d b{side * (std::max(std::abs(a.x), std::abs(z.x)) + 2.0), (a.y + z.y) / 2};
    Pts pts;
    for (int i = 0; i <= 8; ++i) pts.push_back(quad(a, b, z, i / 8.0));
    p.stroke(pts, 0.6, c, 0.6);
  }
}

void draw_mouth(Painter& p, const FaceIdentity& f, const ExpressionState& e, const MouthShape& m) {
  const auto& a = e.au;
  const double ut = f.upper_lip * (1 - 0.55 * a[kAu23]), lt = f.lower_lip * (1 - 0.45 * a[kAu23] + 0.15 * a[kAu17]);
  const double round = 0.6 - 0.15 * a[kAu27];
  const int n = 20;
  Pts in_up, in_lo, out_up, out_lo;
  for (int i = 0; i <= n; ++i) {
    const double t = -1 + 2.0 * i / n, w = 1 - t * t;
    const double x = t * m.half_width, y0 = f.mouth_y + m.corner_dy * t * t;
    const double o = std::pow(w, round);
    const double iu = y0 - m.upper_raise * w - m.gap * 0.22 * o, il = y0 + m.gap * 0.78 * o;
    in_up.emplace_back(x, iu);
    in_lo.emplace_back(x, il);
    out_up.emplace_back(x, iu - 0.25 - ut * std::sqrt(w) * (1 - f.bow * std::exp(-std::pow(t / 0.16, 2))));
    out_lo.emplace_back(x, il + 0.2 + lt * std::sqrt(w));
  }
  const double depth = 0.7;
  if (m.gap > 0.35) {
    p.fill(concat(in_up, reversed(in_lo)), depth, Rgb{72, 24, 30});
    const bool upper_teeth = a[kAu12] > 0.25 || a[kAu10] > 0.25 || a[kAu20] > 0.25 || a[kAu26] > 0.25;
    const bool lower_teeth = a[kAu20] > 0.3 || a[kAu10] > 0.4;
    const Rgb teeth{232, 226, 214};
    Pts top, bot;
    for (int i = 2; i <= n - 2; ++i) {
      const double t = -1 + 2.0 * i / n, o = std::pow(1 - t * t, round);
      if (upper_teeth) {
        top.push_back(in_up[i]);
        bot.emplace_back(in_up[i].x, in_up[i].y + std::min(m.gap * 0.42, 3.4) * o);
      }
    }
    if (upper_teeth) p.fill(concat(top, reversed(bot)), depth, teeth);
    if (lower_teeth) {
      top.clear();
      bot.clear();
      for (int i = 3; i <= n - 3; ++i) {
        const double t = -1 + 2.0 * i / n, o = std::pow(1 - t * t, round);
        bot.push_back(in_lo[i]);
        top.emplace_back(in_lo[i].x, in_lo[i].y - std::min(m.gap * 0.22, 1.8) * o);
      }
      p.fill(concat(top, reversed(bot)), depth, mul(teeth, 0.94));
    }
  }
  p.fill(concat(out_up, reversed(in_up)), depth, f.lip);
  p.fill(concat(in_lo, reversed(out_lo)), depth, mix(f.lip, Rgb{255, 230, 230}, 0.08));
  if (m.gap <= 0.35) {
    Pts line;
    for (int i = 0; i <= n; ++i) line.push_back((in_up[i] + in_lo[i]) * 0.5);
    p.stroke(line, depth, mul(f.lip, 0.5, 0.42, 0.42), 0.6);
  }
  // Corner creases (smile, frown) and the chin boss of AU17.
  const double corner = std::min(1.0, a[kAu12] + a[kAu15] + 0.5 * a[kAu20]);
  if (corner > 0.1)
    for (int side : {-1, 1}) {
      const cv::Point2d c = in_up[side < 0 ? 0 : n];
      p.stroke({c + cv::Point2d(side * 0.6, -1.0), c + cv::Point2d(side * 1.4, 0.2), c + cv::Point2d(side * 0.8, 1.4)},
               depth, mix(f.skin, mul(f.skin, 0.62), corner), 0.5);
    }
  if (a[kAu17] > 0.15) {
    const double y = out_lo[n / 2].y + 3.0;
    p.stroke(ellipse_pts({0, y}, m.half_width * 0.45, 1.0, kPi * 1.1, kPi * 1.9, 8), depth,
             mix(f.skin, mul(f.skin, 0.7), std::min(1.0, a[kAu17])), 0.5);
  }
}

void finish(cv::Mat& m, const Nuisance& n) {
  const double c = std::cos(n.light_angle), s = std::sin(n.light_angle), half = m.cols / 2.0;
  // One hash per pixel gives each channel the sum of two 10-bit uniforms: a triangular distribution
  // (std 0.408), cheap and close enough to Gaussian for sensor-like noise.
  const double sigma = n.noise * 255.0 / 0.40825;
  for (int y = 0; y < m.rows; ++y) {
    std::uint8_t* row = m.ptr<std::uint8_t>(y);
    for (int x = 0; x < m.cols; ++x) {
      const double g = n.brightness * (1 + n.light_strength * ((x - half) * c + (y - half) * s) / half);
      const std::uint64_t h = sigma > 0 ? hash_tuple(n.noise_key, y, x) : 0;
      for (int ch = 0; ch < 3; ++ch) {
        double v = row[3 * x + ch] * g;
        if (sigma > 0) {
          const std::uint64_t bits = h >> (20 * ch);
          v += sigma * (((bits & 0x3ff) + ((bits >> 10) & 0x3ff)) / 1024.0 - 1.0);
        }
        row[3 * x + ch] = cv::saturate_cast<std::uint8_t>(v);
      }
    }
  }
  if (n.jpeg_quality > 0) {
    cv::Mat bgr;
    cv::cvtColor(m, bgr, cv::COLOR_RGB2BGR);
    std::vector<std::uint8_t> buf;
    cv::imencode(".jpg", bgr, buf, {cv::IMWRITE_JPEG_QUALITY, n.jpeg_quality});
    bgr = cv::imdecode(buf, cv::IMREAD_COLOR);
    cv::cvtColor(bgr, m, cv::COLOR_BGR2RGB);
  }
}

}  // namespace

// --- parameters ----------------------------------------------------------------------------------------

FaceIdentity make_identity(std::uint64_t seed, int identity) {
  static const Rgb kSkin[] = {{250, 220, 196}, {240, 200, 166}, {226, 180, 142}, {204, 152, 112},
                              {174, 120, 84},  {136, 90, 62},   {100, 68, 48}};
  static const Rgb kHair[] = {{26, 22, 20},   {56, 38, 28},  {96, 64, 40},   {132, 62, 34},
                              {200, 166, 108}, {150, 148, 146}, {214, 208, 200}};
  static const Rgb kIris[] = {{60, 36, 22}, {104, 64, 34}, {126, 102, 54}, {70, 118, 72}, {70, 116, 176}, {116, 130, 142}};
  CounterRng r(hash_tuple(seed, 0x1d, identity));
  FaceIdentity f;
  f.half_width = r.uniform(28.5, 37);
  f.top = r.uniform(40, 47);
  f.bottom = r.uniform(38, 46);
  f.jaw = r.uniform(0.72, 1.06);
  f.jaw_depth = r.uniform(0.4, 0.82);
  f.chin = r.uniform(0.2, 0.68);
  f.skin = jitter(kSkin[r.below(7)], r, 7);
  const int hair = r.below(7);
  f.hair = jitter(kHair[hair], r, 6);
  f.brow = hair >= 4 ? mix(f.hair, Rgb{60, 45, 35}, hair == 4 ? 0.45 : 0.25) : mul(f.hair, 0.9);
  f.lip = mix(mul(f.skin, 0.86, 0.58, 0.58), Rgb{190, 80, 90}, r.uniform(0, 0.35));
  f.iris = jitter(kIris[r.below(6)], r, 8);
  f.hair_style = r.below(6);
  f.hairline = r.uniform(5, 15);
  f.hairline_round = r.uniform(0.35, 1.1);
  f.part = r.chance(0.5) ? 1.0 : -1.0;
  f.ear = r.uniform(5, 8);
  f.eye_y = -8 + r.sym(2.5);
  f.eye_spacing = r.uniform(11.5, 16.5);
  f.eye_w = r.uniform(4.8, std::min(7.6, f.eye_spacing - 4.2));
  f.eye_h = r.uniform(1.8, 3.4);
  f.eye_tilt = r.uniform(-6, 9);
  f.iris_ratio = r.uniform(0.5, 0.68);
  f.lash = r.uniform(0.6, 1.5);
  f.brow_gap = r.uniform(6.5, 10);
  f.brow_thick = r.uniform(1.0, 3.6);
  f.brow_arch = r.uniform(0.3, 3.0);
  f.brow_len = r.uniform(1.0, 1.45);
  f.nose_y = f.eye_y + r.uniform(17, 23);
  f.nose_w = r.uniform(4.6, 8.0);
  f.nostril = r.uniform(1.1, 2.1);
  f.mouth_y = std::min(f.nose_y + r.uniform(9.5, 13), f.bottom - 14.5);
  f.mouth_w = r.uniform(9, 13.5);
  f.upper_lip = r.uniform(1.5, 3.6);
  f.lower_lip = r.uniform(2.2, 4.6);
  f.bow = r.uniform(0, 0.5);
  f.texture_fine = r.uniform(0.012, 0.045);
  f.texture_mid = r.uniform(0.008, 0.03);
  f.age = r.chance(0.35) ? r.uniform(0.1, 0.4) : 0.0;
  f.stubble = r.chance(0.25) ? r.uniform(0.4, 1.0) : 0.0;
  f.texture_key = hash_tuple(seed, 0x7e, identity);
  const int moles = r.chance(0.55) ? 1 + r.below(3) : 0;
  for (int i = 0; i < moles; ++i)
    f.moles.emplace_back(r.sym(f.half_width * 0.75), r.uniform(-f.top * 0.4, f.bottom * 0.75), r.uniform(0.6, 1.3));
  if (r.chance(0.35)) {
    const int n = 15 + r.below(35);
    for (int i = 0; i < n; ++i)
      f.freckles.emplace_back(r.sym(f.half_width * 0.7), r.uniform(f.eye_y + 3.5, f.nose_y + 5), r.uniform(0.3, 0.6));
  }
  return f;
}

ExpressionState make_expression(const SynthOptions& o, int identity, int expression, int k) {
  // Prototypes after EMFACS: happy 6+12+25, sad 1+4+15+17, angry 4+5+7+23, fear 1+2+4+5+20+25+26,
  // disgust 9+10+15+17, surprise 1+2+5+26+27.
  struct Proto {
    Au au;
    double v;
  };
  static const std::vector<Proto> kProto[kNumExpressions] = {
      {},
      {{kAu6, 0.85}, {kAu12, 1.0}, {kAu25, 0.7}},
      {{kAu1, 0.95}, {kAu4, 0.55}, {kAu15, 0.95}, {kAu17, 0.5}, {kAu7, 0.25}},
      {{kAu4, 1.0}, {kAu5, 0.45}, {kAu7, 0.75}, {kAu23, 0.95}, {kAu17, 0.3}},
      {{kAu1, 0.9}, {kAu2, 0.6}, {kAu4, 0.6}, {kAu5, 1.0}, {kAu20, 0.95}, {kAu25, 0.8}, {kAu26, 0.3}},
      {{kAu9, 1.0}, {kAu10, 0.9}, {kAu4, 0.4}, {kAu15, 0.45}, {kAu17, 0.4}, {kAu7, 0.3}},
      {{kAu1, 1.0}, {kAu2, 1.0}, {kAu5, 0.9}, {kAu26, 1.0}, {kAu27, 0.8}, {kAu25, 1.0}},
  };
  CounterRng r(hash_tuple(o.seed, 0xe5, identity, expression, k));
  const double intensity = r.uniform(o.intensity_min, o.intensity_max);
  ExpressionState e;
  for (const Proto& p : kProto[expression]) e.au[p.au] = p.v * intensity;
  for (double& v : e.au) v = std::clamp(v + r.sym(o.au_jitter), 0.0, 1.2);
  return e;
}

Nuisance make_nuisance(const SynthOptions& o, int identity, int expression, int k) {
  CounterRng r(hash_tuple(o.seed, 0x9a, identity, expression, k));
  Nuisance n;
  n.roll_deg = r.sym(o.roll_degrees);
  n.yaw = r.sym(o.yaw);
  n.scale = 1 + r.sym(o.scale_jitter);
  n.shift_x = r.sym(o.shift) * 112.0;
  n.shift_y = r.sym(o.shift) * 112.0;
  n.light_angle = r.uniform(0, 2 * kPi);
  n.light_strength = r.uniform(0, o.lighting * 0.6);
  n.brightness = 1 + r.sym(o.lighting * 0.35);
  n.noise = o.noise * r.uniform(0.5, 1.0);
  n.jpeg_quality = o.jpeg_quality_min > 0
                       ? o.jpeg_quality_min + r.below(o.jpeg_quality_max - o.jpeg_quality_min + 1)
                       : 0;
  const double level = r.uniform(70, 215);
  n.background_top = {level + r.sym(28), level + r.sym(28), level + r.sym(28)};
  n.background_bottom = mul(n.background_top, r.uniform(0.7, 1.0));
  n.noise_key = hash_tuple(o.seed, 0x40, identity, expression, k);
  return n;
}

void render_face(const FaceIdentity& f, const ExpressionState& e, const Nuisance& n, int size, cv::Mat& out) {
  out.create(size, size, CV_8UC3);
  const View view(n, size);
  Painter p(out, view);
  draw_background(out, n);
  draw_back_hair(p, f);

  const MouthShape mouth = mouth_shape(f, e);
  const double jaw_drop = 0.75 * 9.0 * e.au[kAu26] + 0.5 * e.au[kAu27];
  cv::Mat skin_mask = cv::Mat::zeros(size, size, CV_8U);
  const Rgb neck = mul(f.skin, 0.8);
  p.fill({{-f.half_width * 0.52, f.bottom * 0.4}, {f.half_width * 0.52, f.bottom * 0.4},
          {f.half_width * 0.6, 75}, {-f.half_width * 0.6, 75}},
         -0.1, neck, &skin_mask);
  for (int side : {-1, 1}) {
    p.fill(ellipse_pts({side * (f.half_width + f.ear * 0.25), f.eye_y + 5}, f.ear * 0.5, f.ear * 1.2), -0.2,
           mul(f.skin, 0.92), &skin_mask);
    p.fill(ellipse_pts({side * (f.half_width + f.ear * 0.28), f.eye_y + 5}, f.ear * 0.22, f.ear * 0.75), -0.2,
           mul(f.skin, 0.78, 0.7, 0.68));
  }
  p.fill(head_outline(f, jaw_drop), 0, f.skin, &skin_mask);
  shade_skin(out, skin_mask, view, f, e);
  draw_marks(p, f);
  draw_stubble(p, f, jaw_drop);
  draw_wrinkles(p, f, e);
  draw_front_hair(p, f);
  for (int side : {-1, 1}) draw_eye(p, f, e, side);
  for (int side : {-1, 1}) draw_brow(p, f, e, side);
  draw_nose(p, f, e);
  draw_nasolabial(p, f, e, mouth);
  draw_mouth(p, f, e, mouth);
  finish(out, n);
}

}  // namespace ferguard::detail
