#include "ferguard/face/face_geometry.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>

#include "ferguard/error.h"
#include "face/sample_landmarks.h"

namespace ferguard {
namespace {

using testing::sample_landmarks;

// A smooth RGB test image (sinusoids), so that bilinear reads differ little from exact ones.
Tensor4 smooth_image(int h, int w) {
  Tensor4 t(Shape4{1, 3, h, w});
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        t.at(0, c, y, x) = 0.5f + 0.4f * std::sin(0.05f * x * (c + 1) + 0.03f * y) * std::cos(0.04f * y - 0.3f * c);
  return t;
}

// Naive bilinear read at continuous position (u, v) (pixel-corner origin), border repeated.
float bilinear(const Tensor4& t, int c, double u, double v) {
  const int h = t.shape().h, w = t.shape().w;
  const double x = u - 0.5, y = v - 0.5;
  const int x0 = int(std::floor(x)), y0 = int(std::floor(y));
  const double fx = x - x0, fy = y - y0;
  auto at = [&](int yy, int xx) { return double(t.at(0, c, std::clamp(yy, 0, h - 1), std::clamp(xx, 0, w - 1))); };
  return float((1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
               fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1)));
}

bool inside_triangle(const Point2f& p, const Point2f& a, const Point2f& b, const Point2f& c, double margin) {
  auto side = [](const Point2f& p, const Point2f& a, const Point2f& b) {
    return double(b.x - a.x) * (p.y - a.y) - double(b.y - a.y) * (p.x - a.x);
  };
  const double d1 = side(p, a, b), d2 = side(p, b, c), d3 = side(p, c, a);
  const bool neg = d1 < -margin || d2 < -margin || d3 < -margin, pos = d1 > margin || d2 > margin || d3 > margin;
  return !(neg && pos);
}

TEST(FaceGeometry, FitSimilarityRecoversAKnownMap) {
  const Similarity truth{0.8 * std::cos(0.3), 0.8 * std::sin(0.3), 12.5, -4.0};
  std::vector<Point2f> from = sample_landmarks()[0];
  const std::vector<Point2f> to = truth.apply(from);
  const Similarity s = fit_similarity(from, to);
  EXPECT_NEAR(s.a, truth.a, 1e-6);
  EXPECT_NEAR(s.b, truth.b, 1e-6);
  EXPECT_NEAR(s.tx, truth.tx, 1e-3);
  EXPECT_NEAR(s.ty, truth.ty, 1e-3);
  const Point2f back = s.inverse().apply(s.apply(Point2f{3.0f, 7.0f}));
  EXPECT_NEAR(back.x, 3.0f, 1e-4);
  EXPECT_NEAR(back.y, 7.0f, 1e-4);
  EXPECT_THROW(fit_similarity({{1, 1}, {1, 1}}, {{0, 0}, {2, 2}}), InvalidArgument);
  EXPECT_THROW(fit_similarity({{1, 1}}, {{0, 0}}), InvalidArgument);
  EXPECT_THROW(fit_similarity({{1, 1}, {NAN, 1}}, {{0, 0}, {2, 2}}), InvalidArgument);
}

TEST(FaceGeometry, MeanShapeIsCanonicalAndIgnoresPose) {
  const CanonicalFrame frame;
  const std::vector<Point2f> face = sample_landmarks()[3];
  // The same face at three poses (similarities) has itself as its mean.
  std::vector<std::vector<Point2f>> posed;
  for (double angle : {-0.4, 0.0, 0.25}) posed.push_back(Similarity{1.3 * std::cos(angle), 1.3 * std::sin(angle), 40, 9}.apply(face));
  const std::vector<Point2f> mean = mean_shape(posed, frame);
  const std::vector<Point2f> direct = to_canonical(face, frame).apply(face);
  for (int k = 0; k < kNumFaceLandmarks; ++k) {
    EXPECT_NEAR(mean[k].x, direct[k].x, 1e-2) << k;
    EXPECT_NEAR(mean[k].y, direct[k].y, 1e-2) << k;
  }
  const Point2f l = group_centroid(mean, kLeftEye), r = group_centroid(mean, kRightEye);
  EXPECT_NEAR(l.x, frame.left_eye().x, 1e-3);
  EXPECT_NEAR(r.y, frame.right_eye().y, 1e-3);
  EXPECT_THROW(mean_shape({}, frame), InvalidArgument);
  EXPECT_THROW(mean_shape({std::vector<Point2f>(67)}, frame), InvalidArgument);
}

TEST(FaceGeometry, MeshFoldsOnlyTurnedSampleFacesAndThoseLittle) {
  const auto faces = sample_landmarks();
  ASSERT_EQ(faces.size(), 22u);
  const FaceMesh mesh(mean_shape(faces, CanonicalFrame{}));
  EXPECT_GT(mesh.triangles().size(), 80u);
  // The mean shape's own mesh has no fold; 19 of the 22 faces have none either. The three turned heads (sample2's
  // second and third, sample5's fourth) fold a few thin triangles along the jaw and the nose: under 2 % of the face.
  EXPECT_EQ(mesh.bad_triangles(mesh.control_points(mean_shape(faces, CanonicalFrame{}))), 0);
  int clean = 0;
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const double f = mesh.folded_fraction(mesh.control_points(faces[i]));
    EXPECT_LT(f, 0.02) << "sample face " << i;
    clean += mesh.bad_triangles(mesh.control_points(faces[i])) == 0;
  }
  EXPECT_GE(clean, 19);
  // A face with its mouth turned inside out does fold.
  std::vector<Point2f> folded = faces[0];
  std::swap(folded[51], folded[57]);
  EXPECT_GT(mesh.bad_triangles(mesh.control_points(folded)), 0);
  EXPECT_GT(mesh.folded_fraction(mesh.control_points(folded)), 0.0);
}

TEST(FaceGeometry, WarpReproducesASingleAffineMapExactly) {
  const auto faces = sample_landmarks();
  const FaceMesh mesh(mean_shape(faces, CanonicalFrame{}));
  // from: a sample face moved into a 160x160 image; to = A(from) for a general (shearing) affine A.
  const Similarity place = fit_similarity(faces[5], mean_shape({faces[5]}, CanonicalFrame{}));
  const std::vector<Point2f> from = mesh.control_points(place.apply(faces[5]));
  const double A[2][3] = {{0.9, 0.15, 6.0}, {-0.1, 1.1, -3.0}};
  std::vector<Point2f> to;
  for (const Point2f& p : from) to.push_back({float(A[0][0] * p.x + A[0][1] * p.y + A[0][2]), float(A[1][0] * p.x + A[1][1] * p.y + A[1][2])});
  const Tensor4 src = smooth_image(160, 160);
  const Tensor4 out = mesh.warp(src, from, to, 170, 170);
  const double det = A[0][0] * A[1][1] - A[0][1] * A[1][0];
  int checked = 0;
  double worst = 0.0;
  for (int y = 0; y < 170; ++y)
    for (int x = 0; x < 170; ++x) {
      const Point2f q{x + 0.5f, y + 0.5f};
      bool in = false;
      for (const auto& [a, b, c] : mesh.triangles()) in = in || inside_triangle(q, to[a], to[b], to[c], 1e-3);
      if (!in) continue;
      const double qx = q.x - A[0][2], qy = q.y - A[1][2];
      const double u = (A[1][1] * qx - A[0][1] * qy) / det, v = (-A[1][0] * qx + A[0][0] * qy) / det;
      for (int c = 0; c < 3; ++c) worst = std::max(worst, double(std::abs(out.at(0, c, y, x) - bilinear(src, c, u, v))));
      ++checked;
    }
  EXPECT_GT(checked, 10000);
  EXPECT_LT(worst, 2e-3);  // OpenCV's remap interpolates with 5-bit fractional weights
}

TEST(FaceGeometry, RoundTripThroughTheCanonicalFrameIsClose) {
  const auto faces = sample_landmarks();
  const CanonicalFrame frame;
  const FaceMesh mesh(mean_shape(faces, frame));
  const std::vector<Point2f> canonical = mesh.control_points(mean_shape(faces, frame));
  const Tensor4 src = smooth_image(200, 200);
  // A face placed in the 200x200 image with its own shape.
  const std::vector<Point2f> face = mesh.control_points(
      fit_similarity(faces[7], mean_shape(faces, frame)).apply(faces[7]));
  const Tensor4 there = mesh.warp(src, face, canonical, frame.side, frame.side);
  const Tensor4 back = mesh.warp(there, canonical, face, 200, 200);
  double err = 0.0;
  int n = 0;
  const Point2f l = group_centroid(face, kLeftEye), r = group_centroid(face, kRightEye);
  const double iod = std::hypot(r.x - l.x, r.y - l.y);
  for (int y = 0; y < 200; ++y)
    for (int x = 0; x < 200; ++x) {
      // Inside the face, away from the frame's border.
      if (std::hypot(x + 0.5 - 0.5 * (l.x + r.x), y + 0.5 - (0.5 * (l.y + r.y) + 0.5 * iod)) > 1.0 * iod) continue;
      for (int c = 0; c < 3; ++c) err += std::abs(back.at(0, c, y, x) - src.at(0, c, y, x));
      n += 3;
    }
  ASSERT_GT(n, 1000);
  EXPECT_LT(err / n, 0.01);
}

TEST(FaceGeometry, LandmarksOutsideTheImageWarpWithoutCrashing) {
  const auto faces = sample_landmarks();
  const FaceMesh mesh(mean_shape(faces, CanonicalFrame{}));
  // The face hangs 60 % off the left of a 64x64 source.
  const Similarity s = fit_similarity(faces[2], mean_shape({faces[2]}, CanonicalFrame{64}));
  std::vector<Point2f> from = mesh.control_points(s.apply(faces[2]));
  for (Point2f& p : from) p.x -= 40.0f;
  const std::vector<Point2f> to = mesh.control_points(mean_shape(faces, CanonicalFrame{64}));
  const Tensor4 src = smooth_image(64, 64);
  const Tensor4 out = mesh.warp(src, from, to, 64, 64);
  float lo = 1e9f, hi = -1e9f, slo = 1e9f, shi = -1e9f;
  for (float v : out.vector()) {
    ASSERT_TRUE(std::isfinite(v));
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
  for (float v : src.vector()) slo = std::min(slo, v), shi = std::max(shi, v);
  EXPECT_GE(lo, slo - 1e-5f);
  EXPECT_LE(hi, shi + 1e-5f);
  EXPECT_THROW(mesh.warp(src, from, std::vector<Point2f>(10), 64, 64), InvalidArgument);
  from[3].x = NAN;
  EXPECT_THROW(mesh.warp(src, from, to, 64, 64), InvalidArgument);
}

}  // namespace
}  // namespace ferguard
