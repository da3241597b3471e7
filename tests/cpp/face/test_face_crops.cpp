#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "ferguard/error.h"
#include "ferguard/face/face_crops.h"

namespace ferguard {
namespace {

std::vector<Point2f> box_landmarks(float x0, float y0, float x1, float y1) {
  std::vector<Point2f> p(kNumFaceLandmarks, Point2f{(x0 + x1) / 2, (y0 + y1) / 2});
  p[0] = {x0, y0};
  p[16] = {x1, y1};
  return p;
}

TEST(FaceCrops, ExpressionCropPadsTwentyPercent) {
  const std::vector<Point2f> lm = box_landmarks(10, 20, 110, 70);  // 100 x 50
  const FaceBox b = expression_crop_box(lm);
  EXPECT_FLOAT_EQ(b.x, 0.0f);
  EXPECT_FLOAT_EQ(b.y, 15.0f);
  EXPECT_FLOAT_EQ(b.width, 120.0f);
  EXPECT_FLOAT_EQ(b.height, 60.0f);
  EXPECT_EQ(expression_crop(lm, 200, 200), (PixelRect{0, 15, 120, 60}));
  // Clipped at a 100x70 image: width min(120, 100-0), height min(75-15, 70-15).
  EXPECT_EQ(expression_crop(lm, 100, 70), (PixelRect{0, 15, 100, 55}));
}

TEST(FaceCrops, ClipFloorsEachFieldIndependently) {
  // x 9.5 w 12 (right edge 21.5): floor(x)=9, floor(w)=12, so the slice ends at 21 = floor(right) ... and a
  // negative x is clamped first, shrinking the width by the clamped part.
  EXPECT_EQ(clip_at_image_borders(FaceBox{9.5f, 3.7f, 12.0f, 5.9f}, 50, 50), (PixelRect{9, 3, 12, 5}));
  EXPECT_EQ(clip_at_image_borders(FaceBox{-4.5f, -1.0f, 10.0f, 10.0f}, 50, 50), (PixelRect{0, 0, 5, 9}));
  EXPECT_EQ(clip_at_image_borders(FaceBox{45.2f, 0.0f, 10.0f, 10.0f}, 50, 50), (PixelRect{45, 0, 4, 10}));
  EXPECT_THROW(clip_at_image_borders(FaceBox{}, 0, 10), InvalidArgument);
}

TEST(FaceCrops, RecognitionCropIsDlibAlignment) {
  std::vector<Point2f> lm(kNumFaceLandmarks, Point2f{0, 0});
  for (int i = 36; i <= 41; ++i) lm[i] = {40, 50};
  for (int i = 42; i <= 47; ++i) lm[i] = {80, 50};
  for (int i = 48; i <= 67; ++i) lm[i] = {60, 90};
  // |mouth-eye| = sqrt(20^2+40^2) = 44.72 -> size floor(99.38) = 99; ref = (60, 63.33);
  // x = floor(60 - 49.5) = 10, y = floor(63.33 - 42.57) = 20.
  const FaceBox b = recognition_crop_box(lm);
  EXPECT_FLOAT_EQ(b.x, 10.0f);
  EXPECT_FLOAT_EQ(b.y, 20.0f);
  EXPECT_FLOAT_EQ(b.width, 99.0f);
  EXPECT_FLOAT_EQ(b.height, 99.0f);
  EXPECT_EQ(recognition_crop(lm, 640, 480), (PixelRect{10, 20, 99, 99}));
  EXPECT_EQ(recognition_crop(lm, 100, 100), (PixelRect{10, 20, 90, 80}));
  // Near the top-left corner x and y clamp to 0 before the size is applied.
  for (auto& p : lm) p = {p.x - 40, p.y - 40};
  EXPECT_EQ(recognition_crop(lm, 640, 480), (PixelRect{0, 0, 99, 99}));
}

TEST(FaceCrops, RejectWrongLandmarkCount) {
  EXPECT_THROW(expression_crop_box(std::vector<Point2f>(5)), InvalidArgument);
  EXPECT_THROW(recognition_crop(std::vector<Point2f>(67), 10, 10), InvalidArgument);
}

TEST(FaceCrops, CropImageSlices) {
  Image im(4, 5, 3);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x)
      for (int c = 0; c < 3; ++c) im.at(y, x, c) = static_cast<std::uint8_t>(100 * c + 10 * y + x);
  const Image c = crop_image(im, {1, 2, 3, 2});
  ASSERT_EQ(c.height(), 2);
  ASSERT_EQ(c.width(), 3);
  EXPECT_EQ(c.at(0, 0, 0), 21);
  EXPECT_EQ(c.at(1, 2, 2), 233);
  EXPECT_THROW(crop_image(im, {3, 0, 3, 1}), InvalidArgument);
  EXPECT_THROW(crop_image(im, {0, 0, 0, 1}), InvalidArgument);
}

// face-api's own crops for the 22 faces of the six sample photos (tests/data/golden/faceapi/pipeline).
TEST(FaceCrops, MatchFaceApiOnSamplePhotos) {
  int faces = 0;
  for (int s = 1; s <= 6; ++s) {
    const std::string path = std::string(FERGUARD_TEST_DATA_DIR) + "/golden/faceapi/pipeline/sample" + std::to_string(s) + ".json";
    std::ifstream in(path);
    ASSERT_TRUE(in.good()) << path;
    const nlohmann::json g = nlohmann::json::parse(in);
    const int W = g["image"]["width"], H = g["image"]["height"];
    for (const auto& f : g["faces"]) {
      std::vector<Point2f> lm;
      for (const auto& p : f["landmarks"]) lm.push_back({p[0].get<float>(), p[1].get<float>()});
      auto rect = [](const nlohmann::json& r) {
        return PixelRect{r["x"].get<int>(), r["y"].get<int>(), r["width"].get<int>(), r["height"].get<int>()};
      };
      const auto& crops = f["crops"];
      EXPECT_EQ(expression_crop(lm, W, H), rect(crops["expression"])) << path << " face " << faces;
      EXPECT_EQ(recognition_crop(lm, W, H), rect(crops["recognition"])) << path << " face " << faces;
      const FaceBox e = expression_crop_box(lm);
      EXPECT_NEAR(e.x, crops["expression_unclipped"]["x"].get<double>(), 1e-3);
      EXPECT_NEAR(e.width, crops["expression_unclipped"]["width"].get<double>(), 1e-3);
      ++faces;
    }
  }
  EXPECT_EQ(faces, 22);
}

}  // namespace
}  // namespace ferguard
