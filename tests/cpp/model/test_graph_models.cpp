// The graph-model recognisers and the emotion model against goldens from the original TF.js implementation
// (tools/reference/make_graph_goldens.js, tfjs 4.22.0 wasm): tests/data/golden/graph/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ferguard/ferguard.h"
#include "ferguard/model/recognizer.h"
#include "test_util.h"

namespace ferguard {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kGolden = std::string(FERGUARD_SOURCE_DIR) + "/tests/data/golden/graph";

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

bool models_present() {
  return fs::exists(fs::path(resolve_graph_models_dir()) / "faceres.json");
}

Image synthetic(int size) { return test::golden_synthetic_image(size); }

PixelRect rect_of(const json& r) {
  return PixelRect{r["x"].get<int>(), r["y"].get<int>(), r["width"].get<int>(), r["height"].get<int>()};
}

// The input crop of a golden case.
Image case_input(const json& c, int size) {
  const json& in = c["input"];
  if (in["kind"] == "synthetic") return synthetic(size);
  const Image pixels = read_image(std::string(FERGUARD_SOURCE_DIR) + "/" + in["image"].get<std::string>());
  return crop_with_padding(pixels, rect_of(in["rect"]));
}

std::vector<float> emotion_order(const ExpressionScores& s) {
  // The emotion net's own order: angry, disgust, fear, happy, sad, surprise, neutral.
  return {s[Expression::angry], s[Expression::disgusted], s[Expression::fearful], s[Expression::happy],
          s[Expression::sad],   s[Expression::surprised], s[Expression::neutral]};
}

double max_abs_diff(const std::vector<float>& a, const json& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::abs(double(a[i]) - b[i].get<double>()));
  return m;
}

struct ModelCase {
  std::string model;
  int size;
  std::string output;
};

class GraphModelGolden : public ::testing::TestWithParam<ModelCase> {};

TEST_P(GraphModelGolden, SyntheticAndCropCasesMatchTfjs) {
  if (!models_present()) GTEST_SKIP() << "graph models absent: run scripts/fetch_models.sh (make test does)";
  const ModelCase& m = GetParam();
  const json g = read_json(kGolden + "/" + m.model + ".json");
  std::unique_ptr<Recognizer> rec;
  std::unique_ptr<ExpressionModel> expr;
  if (m.model == "emotion") {
    expr = make_expression_model("emotion");
  } else {
    rec = make_recognizer(m.model);
  }
  ASSERT_GE(g["cases"].size(), 3u);
  for (const json& c : g["cases"]) {
    const Image crop = case_input(c, m.size);
    const std::vector<float> got = rec ? rec->embed({crop})[0] : emotion_order(expr->predict({crop})[0]);
    EXPECT_LE(max_abs_diff(got, c["outputs"][m.output]), 1e-4) << m.model << " " << c["name"];
  }
}

TEST_P(GraphModelGolden, AllSampleFacesMatchTfjs) {
  if (!models_present()) GTEST_SKIP() << "graph models absent: run scripts/fetch_models.sh (make test does)";
  const ModelCase& m = GetParam();
  std::unique_ptr<Recognizer> rec;
  std::unique_ptr<ExpressionModel> expr;
  if (m.model == "emotion") {
    expr = make_expression_model("emotion");
  } else {
    rec = make_recognizer(m.model);
  }
  int faces = 0, samples = 0;
  double worst = 0;
  for (int n = 1; n <= 6; ++n) {
    const std::string golden = kGolden + "/faces/" + m.model + "_sample" + std::to_string(n) + ".json";
    const std::string png = std::string(FERGUARD_SOURCE_DIR) + "/tests/data/golden/faceapi/pixels/sample" +
                            std::to_string(n) + ".png";
    if (!fs::exists(png)) continue;  // written by tools/reference/decode_samples.sh (make test runs it)
    ++samples;
    const Image pixels = read_image(png);
    const json g = read_json(golden);
    const json pipeline =
        read_json(std::string(FERGUARD_SOURCE_DIR) + "/tests/data/golden/faceapi/pipeline/sample" + std::to_string(n) + ".json");
    std::vector<Image> crops;
    for (const json& f : g["faces"]) {
      // ferguard's crop rule, from face-api's landmarks, gives the golden's rectangle.
      Face face;
      for (const json& p : pipeline["faces"][f["face"].get<int>()]["landmarks"])
        face.landmarks.push_back({p[0].get<float>(), p[1].get<float>()});
      const PixelRect r = rec ? rec->crop_rect(face, pixels.width(), pixels.height())
                              : expr->crop_rect(face, pixels.width(), pixels.height());
      EXPECT_EQ(r, rect_of(f["crop"])) << f["key"];
      crops.push_back(crop_with_padding(pixels, rect_of(f["crop"])));
    }
    // One batched call for the photo's faces.
    std::vector<std::vector<float>> got;
    if (rec) {
      got = rec->embed(crops);
    } else {
      for (const auto& s : expr->predict(crops)) got.push_back(emotion_order(s));
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
      const double d = max_abs_diff(got[i], g["faces"][i]["output"]);
      worst = std::max(worst, d);
      EXPECT_LE(d, 1e-4) << m.model << " " << g["faces"][i]["key"];
      ++faces;
    }
  }
  if (samples == 0) GTEST_SKIP() << "no decoded sample PNGs: run tools/reference/decode_samples.sh (make test does)";
  RecordProperty("max_abs_diff", std::to_string(worst));
  std::cout << m.model << ": " << faces << " faces, max |ferguard - tfjs| = " << worst << "\n";
  if (samples == 6) EXPECT_EQ(faces, 22);
}

INSTANTIATE_TEST_SUITE_P(Models, GraphModelGolden,
                         ::testing::Values(ModelCase{"faceres", 224, "global_pooling/Mean"},
                                           ModelCase{"mobileface", 112, "batchnorm0/add_1"},
                                           ModelCase{"emotion", 64, "Identity"}),
                         [](const ::testing::TestParamInfo<ModelCase>& i) { return i.param.model; });

TEST(Recognizers, FactoriesRejectUnknownNamesAndMissingFiles) {
  EXPECT_THROW(make_recognizer("arcface"), InvalidArgument);
  EXPECT_THROW(make_expression_model("hsemotion"), InvalidArgument);
  ModelOptions o;
  o.graph_dir = "/nonexistent/ferguard-models";
  try {
    make_recognizer("faceres", o);
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("faceres.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fetch_models"), std::string::npos) << e.what();
  }
  o.threads = -1;
  EXPECT_THROW(make_recognizer("faceres", o), InvalidArgument);
}

TEST(Recognizers, CropRuleAndZeroPadding) {
  std::vector<Point2f> lm(68, Point2f{10.0f, 20.0f});
  lm[0] = {0.0f, 0.0f};
  lm[1] = {30.0f, 50.0f};  // box 30 x 50, centre (15, 25)
  const PixelRect r = landmark_square_crop(lm, 1.2f);  // side 60, top-left (-15, -5)
  EXPECT_EQ(r, (PixelRect{-15, -5, 60, 60}));
  EXPECT_THROW(landmark_square_crop(std::vector<Point2f>(5), 1.0f), InvalidArgument);
  Image im(4, 4, 3);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) im.at(y, x, 0) = static_cast<std::uint8_t>(1 + y * 4 + x);
  const Image c = crop_with_padding(im, PixelRect{-1, 2, 3, 3});
  EXPECT_EQ(c.at(0, 0, 0), 0);      // outside: left of the image
  EXPECT_EQ(c.at(0, 1, 0), 9);      // (y=2, x=0)
  EXPECT_EQ(c.at(1, 2, 0), 14);     // (y=3, x=1)
  EXPECT_EQ(c.at(2, 1, 0), 0);      // below the image
}

TEST(Recognizers, DistancesFollowTheirKind) {
  if (!models_present()) GTEST_SKIP() << "graph models absent";
  const auto faceres = make_recognizer("faceres");
  const auto mobile = make_recognizer("mobileface");
  EXPECT_EQ(faceres->distance_kind(), DistanceKind::euclidean);
  EXPECT_EQ(mobile->distance_kind(), DistanceKind::cosine);
  EXPECT_FLOAT_EQ(faceres->distance({0, 3}, {4, 0}), 5.0f);
  EXPECT_NEAR(mobile->distance({1, 0}, {0, 2}), 1.0f, 1e-6);
  EXPECT_NEAR(mobile->distance({1, 1}, {2, 2}), 0.0f, 1e-6);
  EXPECT_THROW(mobile->distance({1}, {1, 2}), InvalidArgument);
  EXPECT_EQ(faceres->dim(), 1024);
  EXPECT_EQ(mobile->dim(), 256);
}

}  // namespace
}  // namespace ferguard
