// Naturalness checks against values worked out by hand.
#include "ferguard/audit/naturalness.h"

#include <gtest/gtest.h>

#include <cmath>

#include "face/sample_landmarks.h"
#include "ferguard/error.h"
#include "ferguard/face/face_geometry.h"

namespace ferguard {
namespace {

Image filled(int h, int w, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  Image im(h, w, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) im.at(y, x, 0) = r, im.at(y, x, 1) = g, im.at(y, x, 2) = b;
  return im;
}

const std::vector<Point2f> kSquare = {{2, 2}, {18, 2}, {18, 18}, {2, 18}};

TEST(Naturalness, ColourfulnessOfFlatAndStripedRegions) {
  EXPECT_NEAR(colourfulness(filled(20, 20, 90, 90, 90), kSquare), 0.0f, 1e-4);
  // Flat (200, 100, 50): rg = 100, yb = 150 - 50 = 100, no spread: 0.3 * sqrt(100^2 + 100^2).
  EXPECT_NEAR(colourfulness(filled(20, 20, 200, 100, 50), kSquare), 0.3f * std::sqrt(20000.0f), 1e-2);
  // Half red, half green columns: rg = +-255 with mean 0 (spread 255), yb = 127.5 everywhere.
  Image stripes = filled(20, 20, 255, 0, 0);
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 20; x += 2) stripes.at(y, x, 0) = 0, stripes.at(y, x, 1) = 255;
  EXPECT_NEAR(colourfulness(stripes, {{0, 0}, {20, 0}, {20, 20}, {0, 20}}), 255.0f + 0.3f * 127.5f, 2.0f);
  EXPECT_THROW(colourfulness(stripes, {{0, 0}, {1, 1}}), InvalidArgument);
}

TEST(Naturalness, ExpressionLandmarkErrorIgnoresEachGroupsPosition) {
  const std::vector<Point2f> a = testing::sample_landmarks()[7];
  EXPECT_FLOAT_EQ(expression_landmark_error(a, a), 0.0f);
  std::vector<Point2f> moved = a;
  for (int i = kMouth.begin; i < kMouth.end; ++i) moved[i].x += 9.0f;  // a group moved whole: no error
  EXPECT_NEAR(expression_landmark_error(a, moved), 0.0f, 1e-5);
  // The left eye scaled by 1.5 about its centre: its mean point error is 0.5 x its mean radius.
  std::vector<Point2f> wide = a;
  const Point2f c = group_centroid(a, kLeftEye);
  double radius = 0;
  for (int i = kLeftEye.begin; i < kLeftEye.end; ++i) {
    wide[i] = {c.x + 1.5f * (a[i].x - c.x), c.y + 1.5f * (a[i].y - c.y)};
    radius += std::hypot(a[i].x - c.x, a[i].y - c.y) / 6.0;
  }
  EXPECT_NEAR(expression_landmark_error(a, wide), 0.5 * radius / inter_ocular(a), 1e-4);
}

TEST(Naturalness, RedetectionLandmarksAndColourDecideOk) {
  const std::vector<Point2f> lm = testing::sample_landmarks()[7];
  Face face;
  face.landmarks = lm;
  float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
  for (const Point2f& p : lm) x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
  face.box = {x0, y0, x1 - x0, y1 - y0};
  const int w = int(x1) + 60, h = int(y1) + 60;
  const Image original = filled(h, w, 200, 120, 90), same = original, grey = filled(h, w, 128, 128, 128);
  const Naturalness none = check_naturalness(original, same, face, {});
  EXPECT_FALSE(none.redetected);
  EXPECT_FALSE(none.ok());
  const Naturalness ok = check_naturalness(original, same, face, {face});
  EXPECT_TRUE(ok.redetected);
  EXPECT_FLOAT_EQ(ok.iou, 1.0f);
  EXPECT_TRUE(ok.landmarks_ok);
  EXPECT_TRUE(ok.colour_ok);
  EXPECT_TRUE(ok.ok());
  const Naturalness washed = check_naturalness(original, grey, face, {face});
  EXPECT_FALSE(washed.colour_ok);  // colourfulness 0 against the original's
  Face far = face;
  far.box.x += 2 * face.box.width;
  EXPECT_FALSE(check_naturalness(original, same, face, {far}).redetected);
}

}  // namespace
}  // namespace ferguard
