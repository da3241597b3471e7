// The LibTorch face-api nets against (1) the float64 reference in faceapi_reference.h and (2) golden outputs of
// the original face-api (tfjs wasm) in tests/data/golden/faceapi. Tests that need the downloaded weights skip
// when they are absent (run scripts/fetch_models.sh or make test).
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "faceapi_reference.h"
#include "ferguard/error.h"
#include "ferguard/face/face_crops.h"
#include "ferguard/io/image_io.h"
#include "ferguard/model/faceapi_nets.h"
#include "model/faceapi_modules.h"
#include "model/faceapi_preprocess.h"
#include "model/tfjs_weights.h"
#include "test_util.h"

namespace ferguard {
namespace {

namespace fs = std::filesystem;

std::string manifest(const std::string& model) {
  return (fs::path(resolve_models_dir()) / (model + "-weights_manifest.json")).string();
}

#define REQUIRE_MODEL(model)                                                                             \
  if (!fs::exists(manifest(model)))                                                                      \
  GTEST_SKIP() << "face-api weights not found at " << manifest(model)                                    \
               << " (run scripts/fetch_models.sh or make test, or set FERGUARD_MODELS)"

// The goldens' synthetic input: pixel(y,x,c) = (y*7 + x*13 + c*61 + (y*x)%17) % 256.
Image synthetic(int h, int w) {
  Image im(h, w, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) im.at(y, x, c) = static_cast<std::uint8_t>((y * 7 + x * 13 + c * 61 + (y * x) % 17) % 256);
  return im;
}

Image random_image(int h, int w, unsigned seed) {
  std::mt19937 rng(seed);
  Image im(h, w, 3);
  for (std::size_t i = 0; i < im.pixels().size(); ++i) im.data()[i] = static_cast<std::uint8_t>(rng() & 0xff);
  return im;
}

nlohmann::json load_golden(const std::string& rel) {
  std::ifstream in(std::string(FERGUARD_TEST_DATA_DIR) + "/golden/faceapi/" + rel);
  EXPECT_TRUE(in.good()) << rel;
  return nlohmann::json::parse(in);
}

PixelRect rect_of(const nlohmann::json& r) {
  return {r["x"].get<int>(), r["y"].get<int>(), r["width"].get<int>(), r["height"].get<int>()};
}

// The input image of a per-net golden case, or an empty Image when its pixels PNG is absent.
Image case_input(const nlohmann::json& input) {
  if (input["kind"] == "synthetic") return synthetic(input["height"].get<int>(), input["width"].get<int>());
  const std::string png = std::string(FERGUARD_SOURCE_DIR) + "/" + input["image"].get<std::string>();
  if (!fs::exists(png)) return {};
  return crop_image(read_image(png), rect_of(input["rect"]));
}

template <typename A, typename B>
double max_abs_diff(const A& a, const B& b, std::size_t n) {
  double m = 0.0;
  for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return m;
}

// ---------------------------------------------------------------- float64 reference

TEST(ExpressionNet, MatchesFloat64Reference) {
  REQUIRE_MODEL("face_expression_model");
  const test::ref::Weights W = test::ref::load_weights(manifest("face_expression_model"));
  const std::vector<Image> crops = {synthetic(112, 112), synthetic(131, 100), random_image(57, 80, 5)};

  // Logits straight from the module, probabilities through the public class (batched, mixed sizes).
  const detail::TfjsWeights tw = detail::TfjsWeights::load(manifest("face_expression_model"));
  detail::ExpressionNetImpl module(tw);
  c10::InferenceMode guard;
  const at::Tensor logits = module.forward(detail::faceapi_net_input(crops, 112)).contiguous();
  const std::vector<ExpressionScores> probs = ExpressionNet().predict(crops);
  ASSERT_EQ(probs.size(), crops.size());

  double max_logit = 0.0, max_prob = 0.0;
  for (std::size_t i = 0; i < crops.size(); ++i) {
    const std::vector<double> ref_logits = test::ref::expression_logits(W, test::ref::preprocess(crops[i], 112));
    const std::vector<double> ref_probs = test::ref::softmax(ref_logits);
    max_logit = std::max(max_logit, max_abs_diff(logits[i].data_ptr<float>(), ref_logits, 7));
    max_prob = std::max(max_prob, max_abs_diff(probs[i].probs, ref_probs, 7));
  }
  std::cout << "[ expression vs float64 ] max |logit diff| = " << max_logit << ", max |prob diff| = " << max_prob << "\n";
  EXPECT_LE(max_logit, 1e-4);
  EXPECT_LE(max_prob, 1e-4);
}

TEST(RecognitionNet, MatchesFloat64Reference) {
  REQUIRE_MODEL("face_recognition_model");
  const test::ref::Weights W = test::ref::load_weights(manifest("face_recognition_model"));
  const std::vector<Image> crops = {synthetic(150, 150), synthetic(131, 100), random_image(90, 77, 9)};
  const std::vector<FaceDescriptor> d = RecognitionNet().embed(crops);
  ASSERT_EQ(d.size(), crops.size());
  double max_diff = 0.0;
  for (std::size_t i = 0; i < crops.size(); ++i) {
    const std::vector<double> ref = test::ref::recognition_descriptor(W, test::ref::preprocess(crops[i], 150));
    max_diff = std::max(max_diff, max_abs_diff(d[i], ref, kFaceDescriptorSize));
  }
  std::cout << "[ recognition vs float64 ] max |descriptor diff| = " << max_diff << "\n";
  EXPECT_LE(max_diff, 1e-4);
}

// ---------------------------------------------------------------- goldens from the original face-api

TEST(ExpressionNet, MatchesFaceApiGoldens) {
  REQUIRE_MODEL("face_expression_model");
  const nlohmann::json g = load_golden("nets/expression_net.json");
  const detail::TfjsWeights tw = detail::TfjsWeights::load(manifest("face_expression_model"));
  detail::ExpressionNetImpl module(tw);
  const ExpressionNet net;
  int checked = 0;
  for (const auto& c : g["cases"]) {
    const Image crop = case_input(c["input"]);
    if (crop.empty()) continue;
    const ExpressionScores p = net.predict(crop);
    const std::vector<double> want = c["probabilities"];
    const double d_prob = max_abs_diff(p.probs, want, 7);
    c10::InferenceMode guard;
    const at::Tensor x = detail::faceapi_net_input(std::vector<Image>{crop}, 112);
    const at::Tensor feat = module.features().forward(x).contiguous();
    const std::vector<double> want_feat = c["features_256"];
    const double d_feat = max_abs_diff(feat.data_ptr<float>(), want_feat, 256);
    std::cout << "[ expression vs face-api ] " << c["name"].get<std::string>() << ": max |prob diff| = " << d_prob
              << ", max |feature diff| = " << d_feat << "\n";
    EXPECT_LE(d_prob, 1e-4) << c["name"];
    EXPECT_LE(d_feat, 1e-4) << c["name"];
    ++checked;
  }
  EXPECT_GE(checked, 2);  // the synthetic cases never need the PNG
}

TEST(RecognitionNet, MatchesFaceApiGoldens) {
  REQUIRE_MODEL("face_recognition_model");
  const nlohmann::json g = load_golden("nets/recognition_net.json");
  const RecognitionNet net;
  int checked = 0;
  for (const auto& c : g["cases"]) {
    const Image crop = case_input(c["input"]);
    if (crop.empty()) continue;
    const std::vector<double> want = c["descriptor"];
    const double d = max_abs_diff(net.embed(crop), want, kFaceDescriptorSize);
    std::cout << "[ recognition vs face-api ] " << c["name"].get<std::string>() << ": max |descriptor diff| = " << d
              << "\n";
    EXPECT_LE(d, 1e-4) << c["name"];
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

// Every face of the six sample photos, cropped from the decoded pixels face-api saw (only sample1.png is
// committed; the others are regenerated by tools/reference/make_goldens.sh and skipped when absent).
TEST(FaceApiNets, MatchPipelineGoldensOnSamplePhotos) {
  REQUIRE_MODEL("face_expression_model");
  REQUIRE_MODEL("face_recognition_model");
  const ExpressionNet expression;
  const RecognitionNet recognition;
  int faces = 0, samples = 0;
  double max_prob = 0.0, max_desc = 0.0;
  for (int s = 1; s <= 6; ++s) {
    const nlohmann::json g = load_golden("pipeline/sample" + std::to_string(s) + ".json");
    const std::string png = std::string(FERGUARD_SOURCE_DIR) + "/" + g["image"]["pixels_png"].get<std::string>();
    if (!fs::exists(png)) continue;
    const Image image = read_image(png);
    ASSERT_EQ(image.width(), g["image"]["width"].get<int>());
    std::vector<Image> expr_crops, rec_crops;
    for (const auto& f : g["faces"]) {
      expr_crops.push_back(crop_image(image, rect_of(f["crops"]["expression"])));
      rec_crops.push_back(crop_image(image, rect_of(f["crops"]["recognition"])));
    }
    const std::vector<ExpressionScores> p = expression.predict(expr_crops);
    const std::vector<FaceDescriptor> d = recognition.embed(rec_crops);
    for (std::size_t i = 0; i < g["faces"].size(); ++i) {
      const std::vector<double> want_p = g["faces"][i]["expressions"];
      const std::vector<double> want_d = g["faces"][i]["descriptor"];
      const double dp = max_abs_diff(p[i].probs, want_p, 7), dd = max_abs_diff(d[i], want_d, kFaceDescriptorSize);
      EXPECT_LE(dp, 1e-4) << "sample" << s << " face " << i;
      EXPECT_LE(dd, 1e-4) << "sample" << s << " face " << i;
      max_prob = std::max(max_prob, dp);
      max_desc = std::max(max_desc, dd);
      ++faces;
    }
    ++samples;
  }
  if (samples == 0) GTEST_SKIP() << "no decoded sample PNGs in tests/data/golden/faceapi/pixels";
  std::cout << "[ pipeline goldens ] " << samples << " samples, " << faces << " faces: max |prob diff| = " << max_prob
            << ", max |descriptor diff| = " << max_desc << "\n";
}

// ---------------------------------------------------------------- API behaviour

TEST(FaceApiNets, BatchedEqualsOneByOneAndTensorInput) {
  REQUIRE_MODEL("face_expression_model");
  FaceNetOptions o;
  o.max_batch = 2;  // 3 crops -> two chunks
  const ExpressionNet net(o);
  const std::vector<Image> crops = {random_image(60, 60, 1), random_image(60, 60, 2), random_image(60, 60, 3)};
  const std::vector<ExpressionScores> batch = net.predict(crops);
  Tensor4 t = to_tensor(crops);
  const std::vector<ExpressionScores> from_tensor = net.predict(t);
  for (std::size_t i = 0; i < crops.size(); ++i) {
    const ExpressionScores one = net.predict(crops[i]);
    EXPECT_LE(max_abs_diff(batch[i].probs, one.probs, 7), 1e-5) << i;
    EXPECT_LE(max_abs_diff(from_tensor[i].probs, one.probs, 7), 1e-5) << i;
    float sum = 0.0f;
    for (float v : one.probs) sum += v;
    EXPECT_NEAR(sum, 1.0f, 1e-5f);
  }
  // Different crops give different outputs (the net is not constant).
  EXPECT_GT(max_abs_diff(batch[0].probs, batch[1].probs, 7), 1e-4);
}

TEST(FaceApiNets, ThreadSettingIsRestored) {
  REQUIRE_MODEL("face_expression_model");
  const int before = at::get_num_threads();
  FaceNetOptions o;
  o.threads = before == 1 ? 2 : 1;
  const ExpressionNet net(o);
  net.predict(random_image(30, 30, 4));
  EXPECT_EQ(at::get_num_threads(), before);
}

TEST(FaceApiNets, MissingModelsNameTheFileAndTheFix) {
  test::TempDir dir;
  FaceNetOptions o;
  o.models_dir = dir.path();
  try {
    ExpressionNet net(o);
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("face_expression_model-weights_manifest.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("scripts/fetch_models.sh"), std::string::npos) << msg;
  }
  EXPECT_THROW(RecognitionNet{o}, ModelError);
}

TEST(FaceApiNets, InvalidOptionsAndInputs) {
  FaceNetOptions o;
  o.threads = -1;
  EXPECT_THROW(o.validate(), InvalidArgument);
  o = {};
  o.device = "tpu:banana";
  EXPECT_THROW(o.validate(), InvalidArgument);
  o = {};
  o.max_batch = 0;
  EXPECT_THROW(o.validate(), InvalidArgument);
  REQUIRE_MODEL("face_recognition_model");
  const RecognitionNet net;
  EXPECT_THROW(net.embed(std::vector<Image>{}), InvalidArgument);
  EXPECT_THROW(net.embed(Tensor4({1, 1, 8, 8})), InvalidArgument);
}

TEST(FaceApiNets, ModelsDirResolutionOrder) {
  const char* old = std::getenv("FERGUARD_MODELS");
  const std::string saved = old ? old : "";
  ::setenv("FERGUARD_MODELS", "/from/env", 1);
  EXPECT_EQ(resolve_models_dir("/explicit"), "/explicit");
  EXPECT_EQ(resolve_models_dir(), "/from/env");
  ::unsetenv("FERGUARD_MODELS");
  EXPECT_EQ(resolve_models_dir(), std::string(FERGUARD_SOURCE_DIR) + "/assets/faceapi/model");
  if (old) ::setenv("FERGUARD_MODELS", saved.c_str(), 1);
}

TEST(FaceApiNets, DescriptorDistance) {
  FaceDescriptor a{}, b{};
  a[0] = 3.0f;
  b[1] = 4.0f;
  EXPECT_FLOAT_EQ(descriptor_distance(a, b), 5.0f);
  EXPECT_FLOAT_EQ(descriptor_distance(a, a), 0.0f);
}

TEST(ExpressionScores, LabelIsArgmax) {
  ExpressionScores s;
  s.probs = {0.1f, 0.05f, 0.6f, 0.05f, 0.1f, 0.05f, 0.05f};
  EXPECT_EQ(s.label(), Expression::sad);
  EXPECT_FLOAT_EQ(s[Expression::neutral], 0.1f);
}

}  // namespace
}  // namespace ferguard
