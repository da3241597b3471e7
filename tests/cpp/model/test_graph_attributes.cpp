// faceres's gender and age heads against goldens from the original TF.js model, and their decoding against
// @vladmandic/human's (tools/reference/make_graph_goldens.js records both: tests/data/golden/graph/).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ferguard/ferguard.h"
#include "ferguard/model/recognizer.h"
#include "model/graph/graph_models.h"
#include "test_util.h"

namespace ferguard {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSource = FERGUARD_SOURCE_DIR;
const std::string kGolden = kSource + "/tests/data/golden/graph";

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

bool models_present() { return fs::exists(fs::path(resolve_graph_models_dir()) / "faceres.json"); }

PixelRect rect_of(const json& r) {
  return PixelRect{r["x"].get<int>(), r["y"].get<int>(), r["width"].get<int>(), r["height"].get<int>()};
}

Image synthetic(int size) { return test::golden_synthetic_image(size); }

double max_abs_diff(const std::vector<float>& a, const json& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::abs(double(a[i]) - b[i].get<double>()));
  return m;
}

// Tolerances: the heads as the embedding's (1e-4, the graph golden tests'); the decoded age is rounded to tenths
// of a year, so a head within 1e-4 may land one tenth away from human's.
constexpr double kHeadTolerance = 1e-4;
constexpr double kAgeTolerance = 0.1 + 1e-5;

struct Counts {
  int faces = 0;
  double worst_male = 0, worst_age_probs = 0, worst_age = 0;
};

// ferguard's heads and decoding for one crop against a golden's raw heads and human's decoding.
void compare(const detail::FaceresHeads& got, const FaceAttributes& decoded, float golden_sigmoid,
             const json& golden_probs, const json& human, const std::string& what, Counts& counts) {
  const double dm = std::abs(double(got.male) - golden_sigmoid);
  const double dp = max_abs_diff(got.age_probs, golden_probs);
  EXPECT_LE(dm, kHeadTolerance) << what;
  EXPECT_LE(dp, kHeadTolerance) << what;
  EXPECT_EQ(decoded.male, got.male) << what;
  // human's decoding of the golden heads, reproduced exactly from those heads.
  detail::FaceresHeads golden{golden_sigmoid, golden_probs.get<std::vector<float>>()};
  if (!human["age"].is_null()) {
    EXPECT_NEAR(detail::decode_faceres(golden).age, human["age"].get<double>(), 1e-5) << what;
    const double da = std::abs(double(decoded.age) - human["age"].get<double>());
    EXPECT_LE(da, kAgeTolerance) << what;
    counts.worst_age = std::max(counts.worst_age, da);
  }
  const std::string gender = human["gender"];
  if (gender != "unknown") EXPECT_EQ(decoded.male > 0.5f, gender == "male") << what;
  counts.worst_male = std::max(counts.worst_male, dm);
  counts.worst_age_probs = std::max(counts.worst_age_probs, dp);
  ++counts.faces;
}

TEST(FaceresAttributes, NetCasesMatchTfjsAndHuman) {
  if (!models_present()) GTEST_SKIP() << "graph models absent: run scripts/fetch_models.sh (make test does)";
  const json g = read_json(kGolden + "/faceres.json");
  const auto model = make_attribute_model("faceres");
  EXPECT_EQ(model->name(), "faceres");
  Counts counts;
  for (const json& c : g["cases"]) {
    const json& in = c["input"];
    const Image crop = in["kind"] == "synthetic"
                           ? synthetic(224)
                           : crop_with_padding(read_image(kSource + "/" + in["image"].get<std::string>()), rect_of(in["rect"]));
    const auto heads = detail::faceres_heads(*model, {crop});
    const auto attrs = model->predict({crop});
    ASSERT_EQ(heads.size(), 1u);
    ASSERT_EQ(attrs.size(), 1u);
    ASSERT_TRUE(c["outputs"].contains("human_decoded")) << "regenerate the goldens (tools/reference/make_goldens.sh graph)";
    compare(heads[0], attrs[0], c["outputs"]["gender_pred/Sigmoid"][0].get<float>(), c["outputs"]["age_pred/Softmax"],
            c["outputs"]["human_decoded"], c["name"].get<std::string>(), counts);
  }
  EXPECT_EQ(counts.faces, 3);
}

TEST(FaceresAttributes, AllSampleFacesMatchTfjsAndHuman) {
  if (!models_present()) GTEST_SKIP() << "graph models absent: run scripts/fetch_models.sh (make test does)";
  const auto model = make_attribute_model("faceres");
  Counts counts;
  int samples = 0, known_gender = 0;
  for (int n = 1; n <= 6; ++n) {
    const std::string png = kSource + "/tests/data/golden/faceapi/pixels/sample" + std::to_string(n) + ".png";
    if (!fs::exists(png)) continue;  // written by tools/reference/decode_samples.sh (make test runs it)
    ++samples;
    const Image pixels = read_image(png);
    const json g = read_json(kGolden + "/faces/faceres_sample" + std::to_string(n) + ".json");
    const json pipeline = read_json(kSource + "/tests/data/golden/faceapi/pipeline/sample" + std::to_string(n) + ".json");
    std::vector<Face> faces;
    std::vector<Image> crops;
    for (const json& f : g["faces"]) {
      Face face;
      for (const json& p : pipeline["faces"][f["face"].get<int>()]["landmarks"])
        face.landmarks.push_back({p[0].get<float>(), p[1].get<float>()});
      EXPECT_EQ(model->crop_rect(face, pixels.width(), pixels.height()), rect_of(f["crop"])) << f["key"];
      faces.push_back(face);
      crops.push_back(crop_with_padding(pixels, rect_of(f["crop"])));
    }
    // One batched pass for the photo's faces (faceres runs in chunks of 4), and predict_faces gives the same.
    const auto heads = detail::faceres_heads(*model, crops);
    const auto attrs = model->predict_faces(pixels, faces);
    ASSERT_EQ(heads.size(), g["faces"].size());
    ASSERT_EQ(attrs.size(), g["faces"].size());
    for (std::size_t i = 0; i < heads.size(); ++i) {
      const json& f = g["faces"][i];
      ASSERT_TRUE(f.contains("human_decoded")) << "regenerate the goldens (tools/reference/make_goldens.sh graph)";
      compare(heads[i], attrs[i], f["gender_pred_sigmoid"].get<float>(), f["age_pred_softmax"], f["human_decoded"],
              f["key"].get<std::string>(), counts);
      known_gender += f["human_decoded"]["gender"] != "unknown";
    }
  }
  if (samples == 0) GTEST_SKIP() << "no decoded sample PNGs: run tools/reference/decode_samples.sh (make test does)";
  std::cout << "faceres heads: " << counts.faces << " faces (" << known_gender << " with a gender), max |P(male) - tfjs| = "
            << counts.worst_male << ", max |age probs - tfjs| = " << counts.worst_age_probs
            << ", max |age - human| = " << counts.worst_age << " years\n";
  if (samples == 6) {
    EXPECT_EQ(counts.faces, 22);
    EXPECT_GE(known_gender, 11);  // the gender check above must have something to check
  }
}

TEST(FaceresAttributes, DecodingFollowsHuman) {
  std::vector<float> p(100, 0.0f);
  // Arg-max 30, larger neighbour below: 30 - 10 * 0.2 = 28.
  p[29] = 0.2f, p[30] = 0.5f, p[31] = 0.1f;
  EXPECT_NEAR(detail::decode_faceres({0.9f, p}).age, 28.0f, 1e-5);
  EXPECT_FLOAT_EQ(detail::decode_faceres({0.9f, p}).male, 0.9f);
  // Larger neighbour above: 30 + 10 * 0.3 = 33; rounded to tenths (0.123 -> 31.2).
  p[29] = 0.1f, p[31] = 0.3f;
  EXPECT_NEAR(detail::decode_faceres({0.1f, p}).age, 33.0f, 1e-5);
  p[29] = 0.0f, p[31] = 0.123f;
  EXPECT_NEAR(detail::decode_faceres({0.1f, p}).age, 31.2f, 1e-5);
  // Equal neighbours: human's '>' is false, so the one above is used.
  p[29] = 0.2f, p[31] = 0.2f;
  EXPECT_NEAR(detail::decode_faceres({0.1f, p}).age, 32.0f, 1e-5);
  // Class 0: no neighbour below (JavaScript's undefined compares false): 0 + 10 * p[1].
  std::vector<float> q(100, 0.0f);
  q[0] = 0.6f, q[1] = 0.25f;
  EXPECT_NEAR(detail::decode_faceres({0.5f, q}).age, 2.5f, 1e-5);
  // Class 99: human gets NaN; ferguard moves towards class 98.
  std::vector<float> r(100, 0.0f);
  r[99] = 0.7f, r[98] = 0.1f;
  EXPECT_NEAR(detail::decode_faceres({0.5f, r}).age, 98.0f, 1e-5);
  // First of equal maxima, as tf.argMax.
  std::vector<float> t(100, 0.0f);
  t[40] = 0.4f, t[60] = 0.4f;
  EXPECT_NEAR(detail::decode_faceres({0.5f, t}).age, 40.0f, 1e-5);
  EXPECT_THROW(detail::decode_faceres({0.5f, {}}), InvalidArgument);
}

TEST(FaceresAttributes, FactoryErrorsAndEmptyInput) {
  EXPECT_EQ(attribute_model_names(), std::vector<std::string>{"faceres"});
  EXPECT_THROW(make_attribute_model("hsemotion"), InvalidArgument);
  ModelOptions o;
  o.graph_dir = "/nonexistent/ferguard-models";
  try {
    make_attribute_model("faceres", o);
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("faceres.json"), std::string::npos) << e.what();
  }
  o.max_batch = 0;
  EXPECT_THROW(make_attribute_model("faceres", o), InvalidArgument);
  if (!models_present()) GTEST_SKIP() << "graph models absent";
  const auto model = make_attribute_model("faceres");
  EXPECT_TRUE(model->predict({}).empty());
  EXPECT_THROW(model->predict({Image()}), InvalidArgument);
  EXPECT_THROW(model->predict({Image(10, 10, 1)}), InvalidArgument);
  // The raw heads are only faceres's.
  struct Other final : AttributeModel {
    std::string name() const override { return "other"; }
    PixelRect crop_rect(const Face&, int, int) const override { return {}; }
    std::vector<FaceAttributes> predict(const std::vector<Image>&) const override { return {}; }
  } other;
  EXPECT_THROW(detail::faceres_heads(other, {synthetic(8)}), InvalidArgument);
}

}  // namespace
}  // namespace ferguard
