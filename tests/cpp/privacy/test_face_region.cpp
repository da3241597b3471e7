// Canvas geometry, masks, pasting, fail-closed masking and the baselines.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ferguard/error.h"
#include "ferguard/frequency/frequency_splitter.h"
#include "privacy/baselines.h"
#include "privacy/face_region.h"
#include "synthetic_landmarks.h"
#include "test_util.h"

namespace ferguard::detail {
namespace {

TEST(CoveringSquare, HoldsEveryBoxAndIsSquare) {
  const std::vector<FaceBox> boxes = {{10.5f, 20.f, 30.f, 10.f}, {-5.f, 25.f, 8.f, 40.f}};
  const PixelRect r = covering_square(boxes);
  EXPECT_EQ(r.width, r.height);
  for (const FaceBox& b : boxes) {
    EXPECT_LE(r.x, b.x);
    EXPECT_LE(r.y, b.y);
    EXPECT_GE(r.x + r.width, b.x + b.width);
    EXPECT_GE(r.y + r.height, b.y + b.height);
  }
  EXPECT_THROW(covering_square({}), InvalidArgument);
  EXPECT_THROW(covering_square({{NAN, 0.f, 1.f, 1.f}}), InvalidArgument);
}

TEST(Canvas, MapsImagePointsToCanvasPixels) {
  const Canvas c{{100, 50, 200, 200}, 100};
  const Point2f p = c.to_canvas(Point2f{200.f, 150.f});
  EXPECT_FLOAT_EQ(p.x, 50.f);
  EXPECT_FLOAT_EQ(p.y, 50.f);
}

TEST(ReadCanvas, ZeroOutsideTheImageAndPixelsInside) {
  Image im(40, 40, 3);
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 40; ++x)
      for (int c = 0; c < 3; ++c) im.at(y, x, c) = 200;
  const Tensor4 t = read_canvas(im, Canvas{{-20, -20, 40, 40}, 40});
  EXPECT_FLOAT_EQ(t.at(0, 0, 5, 5), 0.0f);                  // outside the image
  EXPECT_NEAR(t.at(0, 1, 30, 30), 200.0f / 255.0f, 1e-6);  // inside
}

TEST(Masks, FaceMaskCoversTheFaceAndNotTheCorners) {
  const auto lm = test::synthetic_landmarks(30.f, 30.f, 100.f);
  const std::vector<float> m = face_mask(lm, 160);
  auto at = [&](int x, int y) { return m[std::size_t(y) * 160 + x]; };
  EXPECT_FLOAT_EQ(at(80, 80), 1.0f);  // nose
  EXPECT_FLOAT_EQ(at(2, 2), 0.0f);
  EXPECT_FLOAT_EQ(at(157, 157), 0.0f);
  for (float v : m) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
  const std::vector<float> e = expression_mask(lm, 160);
  EXPECT_GT(e[std::size_t(30 + 38) * 160 + 30 + 33], 0.9f);  // left eye
  EXPECT_GT(e[std::size_t(30 + 80) * 160 + 30 + 50], 0.9f);  // mouth
  EXPECT_FLOAT_EQ(e[std::size_t(30 + 60) * 160 + 30 + 5], 0.0f);  // cheek by the jaw
  EXPECT_THROW(face_mask(std::vector<Point2f>(5), 160), InvalidArgument);
}

TEST(PasteDelta, ChangesOnlyTheCanvasRectAndClamps) {
  Image im(60, 80, 3);
  std::fill(im.data(), im.data() + 60 * 80 * 3, std::uint8_t{250});
  const Canvas c{{70, 10, 20, 20}, 10};  // half outside the right edge
  Tensor4 d(Shape4{1, 3, 10, 10});
  for (float& v : d.vector()) v = 0.1f;  // +25.5 grey levels
  paste_delta(im, c, d);
  EXPECT_EQ(im.at(15, 75, 0), 255);  // clamped
  EXPECT_EQ(im.at(5, 75, 0), 250);   // above the rect
  EXPECT_EQ(im.at(15, 60, 0), 250);  // left of it
  Tensor4 wrong(Shape4{1, 3, 9, 9});
  EXPECT_THROW(paste_delta(im, c, wrong), InvalidArgument);
}

TEST(MaskFace, FillsTheEnlargedBoxWithGrey) {
  Image im(50, 50, 3);
  mask_face(im, FaceBox{20.f, 20.f, 10.f, 10.f});
  EXPECT_EQ(im.at(25, 25, 1), 128);
  EXPECT_EQ(im.at(18, 18, 1), 128);  // 30 % larger than the box
  EXPECT_EQ(im.at(5, 5, 1), 0);
}

TEST(LandmarkBoxSide, ZeroForMissingOrNonFiniteLandmarks) {
  EXPECT_FLOAT_EQ(landmark_box_side({}), 0.0f);
  auto lm = test::synthetic_landmarks(0.f, 0.f, 50.f);
  EXPECT_NEAR(landmark_box_side(lm), 37.5f, 0.5f);  // brows at 0.25 to the chin at 1.0 of 50 px
  lm[3].x = NAN;
  EXPECT_FLOAT_EQ(landmark_box_side(lm), 0.0f);
}

TEST(Baselines, ZeroStrengthIsIdentity) {
  const Tensor4 x = test::random_tensor(Shape4{1, 3, 48, 48}, 1);
  EXPECT_EQ(test::max_abs_diff(blur_canvas(x, 0.0f), x), 0.0f);
  EXPECT_EQ(test::max_abs_diff(pixelate_canvas(x, 0.0f), x), 0.0f);
  FrequencySplitter s;
  EXPECT_LT(test::max_abs_diff(frequency_canvas(x, 0.0f, 0.0f, s), x), 1e-5f);
  EXPECT_THROW(blur_canvas(x, 1.5f), InvalidArgument);
  EXPECT_THROW(pixelate_canvas(Tensor4(Shape4{1, 3, 4, 5}), 0.5f), InvalidArgument);
}

TEST(Baselines, PixelateMakesConstantBlocksWithTheBlockMean) {
  const Tensor4 x = test::random_tensor(Shape4{1, 3, 48, 48}, 2);
  const Tensor4 p = pixelate_canvas(x, 1.0f);  // block = 48 / 6 = 8
  double mean = 0.0;
  for (int y = 0; y < 8; ++y)
    for (int xx = 0; xx < 8; ++xx) {
      mean += x.at(0, 2, y, xx);
      EXPECT_FLOAT_EQ(p.at(0, 2, y, xx), p.at(0, 2, 0, 0));
    }
  EXPECT_NEAR(p.at(0, 2, 0, 0), mean / 64.0, 1e-5);
  EXPECT_NE(p.at(0, 2, 0, 0), p.at(0, 2, 0, 8));
}

TEST(Baselines, BlurSmoothsAndFrequencyFlattensTheLowBand) {
  const Tensor4 x = test::random_tensor(Shape4{1, 3, 48, 48}, 3);
  auto variance = [](const Tensor4& t) {
    double m = 0, v = 0;
    for (float a : t.vector()) m += a;
    m /= t.vector().size();
    for (float a : t.vector()) v += (a - m) * (a - m);
    return v / t.vector().size();
  };
  EXPECT_LT(variance(blur_canvas(x, 1.0f)), 0.1 * variance(x));
  FrequencySplitter s;
  // Low band flat and high band kept: the result is the per-channel mean plus the high band.
  const Tensor4 f = frequency_canvas(x, 1.0f, 0.0f, s);
  const SplitResult bands = s.split(x);
  for (int c = 0; c < 3; ++c) {
    double mean = 0.0;
    for (std::size_t i = 0; i < x.shape().plane(); ++i) mean += bands.low.plane(0, c)[i];
    mean /= double(x.shape().plane());
    for (std::size_t i = 0; i < x.shape().plane(); i += 97)
      EXPECT_NEAR(f.plane(0, c)[i], mean + bands.high.plane(0, c)[i], 1e-5);
  }
}

}  // namespace
}  // namespace ferguard::detail
