// face-api's SSD detector, 68-landmark net and the FaceAnalyzer pipeline against (1) golden outputs of the
// original face-api (tfjs wasm) in tests/data/golden/faceapi, (2) a float64 re-implementation of the backbone's
// first blocks and (3) a brute-force characterisation of face-api's NMS. Tests that need the downloaded weights
// skip when they are absent (run scripts/fetch_models.sh or make test).
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "faceapi_reference.h"
#include "ferguard/error.h"
#include "ferguard/face/face_crops.h"
#include "ferguard/io/image_io.h"
#include "ferguard/model/face_analyzer.h"
#include "ferguard/model/face_detector.h"
#include "model/faceapi_landmark.h"
#include "model/faceapi_ssd.h"
#include "model/ssd_postprocess.h"
#include "test_util.h"
#include "model/tfjs_weights.h"

namespace ferguard {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string manifest(const std::string& model) {
  return (fs::path(resolve_models_dir()) / (model + "-weights_manifest.json")).string();
}

#define REQUIRE_MODELS()                                                                                  \
  for (const char* m : {"ssd_mobilenetv1_model", "face_landmark_68_model", "face_expression_model",       \
                        "face_recognition_model"})                                                        \
    if (!fs::exists(manifest(m)))                                                                         \
  GTEST_SKIP() << "face-api weights not found at " << manifest(m)                                         \
               << " (run scripts/fetch_models.sh or make test, or set FERGUARD_MODELS)"

json load_golden(const std::string& rel) {
  std::ifstream in(std::string(FERGUARD_TEST_DATA_DIR) + "/golden/faceapi/" + rel);
  if (!in.good()) throw std::runtime_error("golden file missing: " + rel);
  return json::parse(in);
}

// The goldens' synthetic input: pixel(y,x,c) = (y*7 + x*13 + c*61 + (y*x)%17) % 256.
Image synthetic(int h, int w) {
  Image im(h, w, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        im.at(y, x, c) = static_cast<std::uint8_t>((y * 7 + x * 13 + c * 61 + (y * x) % 17) % 256);
  return im;
}

std::string source_path(const std::string& rel) { return std::string(FERGUARD_SOURCE_DIR) + "/" + rel; }

// A golden case's input image (empty when its pixels PNG is absent).
Image case_image(const json& input) {
  if (input["kind"] == "synthetic") return synthetic(input["height"].get<int>(), input["width"].get<int>());
  const std::string png = source_path(input["image"].get<std::string>());
  if (!fs::exists(png)) return {};
  Image im = read_image(png);
  if (input.contains("rect")) {
    const json& r = input["rect"];
    im = crop_image(im, {r["x"].get<int>(), r["y"].get<int>(), r["width"].get<int>(), r["height"].get<int>()});
  }
  return im;
}

detail::SsdBox box_of(const json& a) {
  return {a[0].get<float>(), a[1].get<float>(), a[2].get<float>(), a[3].get<float>()};
}

// ---------------------------------------------------------------------------------------------------------------
// Post-processing: no weights needed.

TEST(SsdPostprocess, DecodingMatchesGoldenRawOutputs) {
  const json golden = load_golden("nets/detector.json");
  int checked = 0;
  for (const json& c : golden["cases"])
    for (const char* list : {"top_by_score", "strided"})
      for (const json& r : c["raw"][list]) {
        float enc[4];
        for (int j = 0; j < 4; ++j) enc[j] = r["box_encoding"][j].get<float>();
        const detail::SsdBox d = detail::decode_ssd_box(box_of(r["anchor_box"]), enc);
        const detail::SsdBox g = box_of(r["decoded_box"]);
        EXPECT_NEAR(d.ymin, g.ymin, 2e-7);
        EXPECT_NEAR(d.xmin, g.xmin, 2e-7);
        EXPECT_NEAR(d.ymax, g.ymax, 2e-7);
        EXPECT_NEAR(d.xmax, g.xmax, 2e-7);
        EXPECT_NEAR(detail::ssd_score(r["class_logits"][1].get<float>()), r["score"].get<double>(), 1e-7);
        ++checked;
      }
  EXPECT_GT(checked, 400);
}

TEST(SsdPostprocess, MappingToImageReproducesFaceApiBoxes) {
  // Each golden detection is one of the top-scoring anchors: mapping its decoded box must give face-api's box,
  // including the reshaped-size rounding quirk (sample1: y scaled by 512*1280/341, not 1920).
  const json golden = load_golden("nets/detector.json");
  int checked = 0;
  for (const json& c : golden["cases"]) {
    const detail::ReshapedDims r = detail::reshaped_dims(c["input"].value("width", 1920), c["input"].value("height", 1280),
                                                         detail::kSsdInputSize);
    EXPECT_EQ(r.width, c["reshaped_dims"]["width"].get<int>());
    EXPECT_EQ(r.height, c["reshaped_dims"]["height"].get<int>());
    for (const char* list : {"detections_min_conf_0_5", "detections_min_conf_0_05"})
      for (const json& det : c[list]) {
        const json* raw = nullptr;
        for (const json& t : c["raw"]["top_by_score"])
          if (t["score"] == det["score"]) raw = &t;
        ASSERT_NE(raw, nullptr);
        const detail::ImageBox b = detail::ssd_box_to_image(box_of((*raw)["decoded_box"]), 1920, 1280, 512);
        EXPECT_NEAR(b.x, det["box"]["x"].get<double>(), 1e-9);
        EXPECT_NEAR(b.y, det["box"]["y"].get<double>(), 1e-9);
        EXPECT_NEAR(b.width, det["box"]["width"].get<double>(), 1e-9);
        EXPECT_NEAR(b.height, det["box"]["height"].get<double>(), 1e-9);
        ++checked;
      }
  }
  EXPECT_EQ(checked, 9);  // sample1: 3 faces at 0.5 and 6 at 0.05; the synthetic images have none
}

// Brute-force characterisation of face-api's NMS, written independently of the implementation: with candidates
// ranked by (score desc, index asc), the output is exactly the rank-ordered prefix of the candidates that are not
// suppressed (IoU > t) by an earlier *selected* candidate, cut at max_results.
double iou_reference(const detail::SsdBox& a, const detail::SsdBox& b) {
  auto norm = [](const detail::SsdBox& s) {
    return std::array<double, 4>{std::min<double>(s.ymin, s.ymax), std::min<double>(s.xmin, s.xmax),
                                 std::max<double>(s.ymin, s.ymax), std::max<double>(s.xmin, s.xmax)};
  };
  const auto p = norm(a), q = norm(b);
  const double area_p = (p[2] - p[0]) * (p[3] - p[1]), area_q = (q[2] - q[0]) * (q[3] - q[1]);
  if (area_p <= 0 || area_q <= 0) return 0.0;
  const double ih = std::min(p[2], q[2]) - std::max(p[0], q[0]);
  const double iw = std::min(p[3], q[3]) - std::max(p[1], q[1]);
  const double inter = (ih > 0 && iw > 0) ? ih * iw : 0.0;
  return inter / (area_p + area_q - inter);
}

void check_nms_against_reference(const std::vector<detail::SsdBox>& boxes, const std::vector<float>& scores,
                                 const detail::NmsParams& p) {
  std::vector<int> ranked;
  for (std::size_t i = 0; i < boxes.size(); ++i)
    if (scores[i] > p.min_confidence) ranked.push_back(static_cast<int>(i));
  std::sort(ranked.begin(), ranked.end(), [&](int a, int b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; });
  std::vector<int> expected;
  for (int c : ranked) {
    if (static_cast<int>(expected.size()) >= p.max_results) break;
    bool suppressed = false;
    for (int s : expected) suppressed = suppressed || iou_reference(boxes[c], boxes[s]) > p.iou_threshold;
    if (!suppressed) expected.push_back(c);
  }
  EXPECT_EQ(detail::faceapi_nms(boxes, scores, p), expected);
}

TEST(SsdPostprocess, NmsMatchesBruteForceOnRandomBoxes) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-0.2f, 1.2f), size(0.01f, 0.5f);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 300);
    std::vector<detail::SsdBox> boxes(n);
    std::vector<float> scores(n);
    for (int i = 0; i < n; ++i) {
      const float y = u(rng), x = u(rng);
      boxes[i] = {y, x, y + size(rng), x + size(rng)};
      if (rng() % 10 == 0) std::swap(boxes[i].ymin, boxes[i].ymax);  // unsorted coordinates
      if (rng() % 20 == 0) boxes[i].xmax = boxes[i].xmin;           // empty box
      // Quantised scores give many ties; the stable sort must keep the lower index first.
      scores[i] = static_cast<float>(rng() % 20) / 20.0f;
    }
    detail::NmsParams p;
    p.min_confidence = 0.05 * (trial % 10);
    p.iou_threshold = 0.1 + 0.1 * (trial % 7);
    p.max_results = 1 + static_cast<int>(rng() % 40);
    check_nms_against_reference(boxes, scores, p);
  }
}

TEST(SsdPostprocess, NmsThresholdsAreStrict) {
  // Score exactly at min_confidence is dropped; IoU exactly at the threshold keeps the box.
  const std::vector<detail::SsdBox> boxes = {{0, 0, 1, 1}, {0, 0, 0.5f, 1}, {2, 2, 3, 3}};
  EXPECT_NEAR(detail::faceapi_iou(boxes[0], boxes[1]), 0.5, 0.0);
  EXPECT_EQ(detail::faceapi_nms(boxes, {0.9f, 0.8f, 0.5f}, {}), (std::vector<int>{0, 1}));
  EXPECT_EQ(detail::faceapi_nms(boxes, {0.9f, 0.8f, 0.7f}, {0.5, 0.49, 100}), (std::vector<int>{0, 2}));
  EXPECT_EQ(detail::faceapi_nms(boxes, {0.7f, 0.9f, 0.7f}, {0.5, 0.5, 2}), (std::vector<int>{1, 0}));
  EXPECT_THROW(detail::faceapi_nms(boxes, {0.9f}, {}), InvalidArgument);
}

TEST(LandmarkDecoding, MatchesGoldenPostProcess) {
  const json golden = load_golden("nets/landmark_net.json");
  for (const json& c : golden["cases"]) {
    int w = 0, h = 0;
    if (c["input"]["kind"] == "synthetic") {
      w = c["input"]["width"];
      h = c["input"]["height"];
    } else {
      w = c["input"]["rect"]["width"];
      h = c["input"]["rect"]["height"];
    }
    std::vector<float> raw;
    for (const json& v : c["fc_output_136"]) raw.push_back(v.get<float>());
    const auto pts = detail::landmarks_in_crop(raw.data(), w, h);
    for (int i = 0; i < 68; ++i) {
      EXPECT_NEAR(pts[i].x, c["landmarks_px"][i][0].get<double>(), 2e-5) << c["name"] << " point " << i;
      EXPECT_NEAR(pts[i].y, c["landmarks_px"][i][1].get<double>(), 2e-5) << c["name"] << " point " << i;
    }
  }
}

TEST(FaceDetectorOptions, Validate) {
  FaceDetectorOptions o;
  EXPECT_NO_THROW(o.validate());
  o.min_confidence = 0.0f;
  EXPECT_THROW(o.validate(), InvalidArgument);
  o = {};
  o.iou_threshold = 1.5f;
  EXPECT_THROW(o.validate(), InvalidArgument);
  o = {};
  o.max_results = 0;
  EXPECT_THROW(o.validate(), InvalidArgument);
}

TEST(FaceAnalyzer, MissingModelsNameTheFileAndTheFix) {
  test::TempDir empty;
  FaceAnalyzerOptions o;
  o.models_dir = empty.path();
  try {
    FaceAnalyzer a(o);
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(empty.path()), std::string::npos) << msg;
    EXPECT_NE(msg.find("-weights_manifest.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("scripts/fetch_models.sh"), std::string::npos) << msg;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The LibTorch detector against the goldens and a float64 reference.

struct SsdFixture : ::testing::Test {
  static std::shared_ptr<detail::SsdMobilenetV1Impl> net() {
    static std::shared_ptr<detail::SsdMobilenetV1Impl> n =
        std::make_shared<detail::SsdMobilenetV1Impl>(detail::TfjsWeights::load(manifest("ssd_mobilenetv1_model")));
    return n;
  }
};

TEST_F(SsdFixture, RawOutputsMatchGoldenForRecordedAnchors) {
  REQUIRE_MODELS();
  const json golden = load_golden("nets/detector.json");
  c10::InferenceMode guard;
  for (const json& c : golden["cases"]) {
    const Image im = case_image(c["input"]);
    ASSERT_FALSE(im.empty()) << c["name"];
    const detail::SsdRawOutput raw = net()->forward(detail::ssd_input({&im}));
    ASSERT_EQ(raw.box_encodings.size(1), detail::kSsdNumAnchors);
    const at::Tensor enc = raw.box_encodings[0].contiguous(), cls = raw.class_logits[0].contiguous();
    double max_diff = 0.0;
    for (const char* list : {"top_by_score", "strided"})
      for (const json& r : c["raw"][list]) {
        const int a = r["anchor"];
        for (int j = 0; j < 4; ++j) {
          max_diff = std::max(max_diff, std::abs(enc[a][j].item<float>() - r["box_encoding"][j].get<double>()));
          EXPECT_NEAR(net()->anchors()[a].ymin, r["anchor_box"][0].get<float>(), 0.0);
        }
        for (int j = 0; j < 3; ++j)
          max_diff = std::max(max_diff, std::abs(cls[a][j].item<float>() - r["class_logits"][j].get<double>()));
      }
    EXPECT_LE(max_diff, 1e-4) << c["name"];
    // Whole-output coverage: per-predictor sums over every anchor.
    for (const json& p : c["raw"]["per_predictor"]) {
      const std::int64_t a0 = p["anchors"][0], a1 = p["anchors"][1];
      const double box_sum = enc.slice(0, a0, a1).to(at::kDouble).sum().item<double>();
      const double cls_sum = cls.slice(0, a0, a1).to(at::kDouble).sum().item<double>();
      EXPECT_NEAR(box_sum, p["box_encoding_sum"].get<double>(), 1e-5 * p["box_encoding_abs_sum"].get<double>());
      EXPECT_NEAR(cls_sum, p["class_logits_sum"].get<double>(), 1e-5 * p["class_logits_abs_sum"].get<double>());
    }
    std::cout << "[detector raw] " << c["name"].get<std::string>() << ": max |diff| over recorded anchors "
              << max_diff << "\n";
  }
}

TEST_F(SsdFixture, BackboneIntermediatesMatchGolden) {
  REQUIRE_MODELS();
  const json golden = load_golden("nets/detector.json");
  const json& c = golden["cases"][0];  // synthetic 512x512: no resize
  const Image im = case_image(c["input"]);
  c10::InferenceMode guard;
  const at::Tensor x = detail::ssd_input({&im});
  for (int stage = 0; stage <= 13; ++stage) {
    const json& g = c["intermediates"]["mobilenet_conv_" + std::to_string(stage)];
    const at::Tensor y = net()->backbone_until(x, stage).permute({0, 2, 3, 1}).contiguous();  // NHWC like tfjs
    ASSERT_EQ(y.sizes().vec(), g["shape_nhwc"].get<std::vector<std::int64_t>>()) << stage;
    const float* v = y.data_ptr<float>();
    for (const json& s : g["samples_flat_nhwc"]) EXPECT_NEAR(v[s[0].get<std::int64_t>()], s[1].get<double>(), 1e-4) << stage;
    EXPECT_NEAR(y.to(at::kDouble).sum().item<double>(), g["sum"].get<double>(), 1e-5 * g["abs_sum"].get<double>())
        << stage;
  }
}

// The one-pass input against the tensor-op form: landscape, portrait, square, already 512, tiny, a batch.
TEST(SsdInput, OnePassEqualsTheTensorOps) {
  const Image a = synthetic(480, 640), b = synthetic(640, 480), c = synthetic(300, 300), d = synthetic(512, 512),
              e = synthetic(3, 7), f = synthetic(1280, 1920);
  for (const std::vector<const Image*>& batch : std::vector<std::vector<const Image*>>{{&a}, {&b}, {&c}, {&d}, {&e}, {&f}, {&a, &b, &e}}) {
    const at::Tensor got = detail::ssd_input(batch), want = detail::ssd_input_reference(batch);
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_LE((got - want).abs().max().item<double>(), 1e-6) << batch[0]->height() << "x" << batch[0]->width();
  }
  const Image grey(4, 4, 1);
  EXPECT_THROW(detail::ssd_input({&a, &grey}), InvalidArgument);
  EXPECT_THROW(detail::ssd_input({}), InvalidArgument);
}

// The letterbox band (rows that repeat one row) computed once per layer gives the plain pass's outputs: a landscape
// frame (a band ending inside the backbone), a panorama (a band that outlives predictor 0's map), rows of random
// values repeated (not only black), a portrait (a band of columns, run transposed), a square (no band), a black
// frame (a band of every row) and a batch of two (the plain pass).
TEST_F(SsdFixture, UniformRowsAreComputedOnceWithThePlainPassOutputs) {
  REQUIRE_MODELS();
  c10::InferenceMode guard;
  const Image landscape = synthetic(480, 640), panorama = synthetic(150, 900), portrait = synthetic(640, 480),
              black(480, 640, 3);
  at::manual_seed(5);
  at::Tensor repeated = at::rand({1, 3, 512, 512}) * 2.0 - 1.0;
  repeated.slice(2, 300, 512).copy_(repeated.slice(2, 299, 300).expand({1, 3, 212, 512}));
  struct Input {
    std::string name;
    at::Tensor x;
    int min_banded, max_banded;  // layers (of 27 in the backbone) computed outside a band
    double tolerance;            // on the raw outputs and the backbone's maps (values up to 6)
  };
  // 640x480: the band of 128 input rows lasts through pair 7 (15 layers); 900x150: 427 rows, all 27 layers. A band
  // of rows gives the plain pass's bytes (0 measured); the portrait's band of columns runs on the transposed input
  // with transposed kernels, whose taps are summed in another order: 4e-5 on the boxes, 9e-5 on the logits and
  // 1.8e-4 on the last map, measured.
  const std::vector<Input> inputs = {{"640x480", detail::ssd_input({&landscape}), 15, 15, 1e-5},
                                     {"900x150", detail::ssd_input({&panorama}), 27, 27, 1e-5},
                                     {"repeated random row", repeated, 10, 27, 1e-5},
                                     {"480x640 (a band of columns)", detail::ssd_input({&portrait}), 15, 15, 5e-4},
                                     {"square", at::rand({1, 3, 512, 512}) * 2.0 - 1.0, 0, 0, 1e-5},
                                     {"black 640x480 (every row the same)", detail::ssd_input({&black}), 20, 27, 1e-5},
                                     {"batch of 2", detail::ssd_input({&landscape, &panorama}), 0, 0, 1e-5}};
  for (const auto& [name, x, min_banded, max_banded, tolerance] : inputs) {
    int layers = -1;
    net()->backbone_until(x, 13, true, &layers);
    EXPECT_GE(layers, min_banded) << name;
    EXPECT_LE(layers, max_banded) << name;
    const detail::SsdRawOutput banded = net()->forward(x), plain = net()->forward(x, false);
    const double box = (banded.box_encodings - plain.box_encodings).abs().max().item<double>();
    const double cls = (banded.class_logits - plain.class_logits).abs().max().item<double>();
    EXPECT_LE(box, tolerance) << name;
    EXPECT_LE(cls, tolerance) << name;
    for (int stage : {0, 3, 9, 13}) {
      const at::Tensor a = net()->backbone_until(x, stage), b = net()->backbone_until(x, stage, false);
      ASSERT_EQ(a.sizes(), b.sizes());
      EXPECT_LE((a - b).abs().max().item<double>(), tolerance) << name << " stage " << stage;
    }
    std::cout << "[detector row band] " << name << ": " << layers << " layers on bands, max |diff| box " << box << ", class " << cls << "\n";
  }
}

TEST_F(SsdFixture, FirstBlocksMatchFloat64Reference) {
  // conv_0 and pair 1 in double from the raw TF weights, with the BatchNorm applied unfolded: checks the
  // preprocessing, the HWIO/depthwise layouts, TF SAME padding, the BN folding and relu6.
  REQUIRE_MODELS();
  const test::ref::Weights W = test::ref::load_weights(manifest("ssd_mobilenetv1_model"));
  const Image im = synthetic(300, 200);  // resized to 512 with right padding
  c10::InferenceMode guard;
  const at::Tensor x = detail::ssd_input({&im});
  const at::Tensor input_nhwc = x.permute({0, 2, 3, 1}).contiguous().to(at::kDouble);
  test::ref::Map m(512, 512, 3);
  std::copy(input_nhwc.data_ptr<double>(), input_nhwc.data_ptr<double>() + m.v.size(), m.v.begin());
  auto relu6 = [](test::ref::Map t) {
    for (double& v : t.v) v = std::min(std::max(v, 0.0), 6.0);
    return t;
  };
  using test::ref::Pad;
  const std::string p0 = "MobilenetV1/Conv2d_0_pointwise/", d1 = "MobilenetV1/Conv2d_1_depthwise/",
                    p1 = "MobilenetV1/Conv2d_1_pointwise/";
  test::ref::Map y = relu6(test::ref::conv(m, W[p0 + "weights"], 3, 32, 2, Pad::same, &W[p0 + "convolution_bn_offset"]));
  test::ref::Map dw = test::ref::conv(y, W[d1 + "depthwise_weights"], 3, 0, 1, Pad::same, nullptr, true);
  const auto &gamma = W[d1 + "BatchNorm/gamma"], &beta = W[d1 + "BatchNorm/beta"],
             &mean = W[d1 + "BatchNorm/moving_mean"], &var = W[d1 + "BatchNorm/moving_variance"];
  const double eps = 0.0010000000474974513;
  for (std::size_t i = 0; i < dw.v.size(); ++i) {
    const std::size_t ch = i % 32;
    dw.v[i] = (dw.v[i] - mean[ch]) * gamma[ch] / std::sqrt(var[ch] + eps) + beta[ch];
  }
  const test::ref::Map pair1 =
      relu6(test::ref::conv(relu6(dw), W[p1 + "weights"], 1, 64, 1, Pad::same, &W[p1 + "convolution_bn_offset"]));
  for (int stage = 0; stage <= 1; ++stage) {
    const test::ref::Map& ref = stage == 0 ? y : pair1;
    const at::Tensor t = net()->backbone_until(x, stage).permute({0, 2, 3, 1}).contiguous();
    ASSERT_EQ(t.numel(), static_cast<std::int64_t>(ref.v.size()));
    const float* v = t.data_ptr<float>();
    double md = 0.0;
    for (std::size_t i = 0; i < ref.v.size(); ++i) md = std::max(md, std::abs(v[i] - ref.v[i]));
    EXPECT_LE(md, 1e-4) << "stage " << stage;  // float32 accumulation over 27 / 32 terms, values up to 6
  }
}

void expect_faces_match(const std::vector<Face>& got, const json& want, const std::string& what, bool landmarks) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const json& d = want[i].contains("detection") ? want[i]["detection"] : want[i];
    EXPECT_NEAR(got[i].score, d["score"].get<double>(), 1e-4) << what << " face " << i;
    EXPECT_NEAR(got[i].box.x, d["box"]["x"].get<double>(), 0.5) << what << " face " << i;
    EXPECT_NEAR(got[i].box.y, d["box"]["y"].get<double>(), 0.5) << what << " face " << i;
    EXPECT_NEAR(got[i].box.width, d["box"]["width"].get<double>(), 0.5) << what << " face " << i;
    EXPECT_NEAR(got[i].box.height, d["box"]["height"].get<double>(), 0.5) << what << " face " << i;
    if (!landmarks) continue;
    ASSERT_EQ(got[i].landmarks.size(), 68u);
    for (int k = 0; k < 68; ++k) {
      EXPECT_NEAR(got[i].landmarks[k].x, want[i]["landmarks"][k][0].get<double>(), 0.5) << what << " face " << i;
      EXPECT_NEAR(got[i].landmarks[k].y, want[i]["landmarks"][k][1].get<double>(), 0.5) << what << " face " << i;
    }
  }
}

TEST(FaceDetector, DetectionsMatchGolden) {
  REQUIRE_MODELS();
  const json golden = load_golden("nets/detector.json");
  FaceNetOptions net;
  net.threads = 2;
  const FaceDetector at_05(net);
  FaceDetectorOptions low;
  low.min_confidence = 0.05f;
  const FaceDetector at_005(net, low);
  std::vector<Image> images;
  for (const json& c : golden["cases"]) images.push_back(case_image(c["input"]));
  // Batched over images of different sizes, and one at a time.
  const auto batched = at_05.detect(images);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const json& c = golden["cases"][i];
    expect_faces_match(batched[i], c["detections_min_conf_0_5"], c["name"].get<std::string>() + " @0.5", false);
    expect_faces_match(at_005.detect(images[i]), c["detections_min_conf_0_05"], c["name"].get<std::string>() + " @0.05",
                       false);
  }
}

TEST(LandmarkNet, MatchesGolden) {
  REQUIRE_MODELS();
  const json golden = load_golden("nets/landmark_net.json");
  const LandmarkNet net;
  auto weights = detail::TfjsWeights::load(manifest("face_landmark_68_model"));
  detail::FaceLandmark68NetImpl raw_net(weights);
  for (const json& c : golden["cases"]) {
    const Image crop = case_image(c["input"]);
    ASSERT_FALSE(crop.empty());
    const auto pts = net.predict({crop}).front();
    ASSERT_EQ(pts.size(), 68u);
    double md = 0.0;
    for (int i = 0; i < 68; ++i) {
      md = std::max(md, std::abs(pts[i].x - c["landmarks_px"][i][0].get<double>()));
      md = std::max(md, std::abs(pts[i].y - c["landmarks_px"][i][1].get<double>()));
    }
    EXPECT_LE(md, 0.01) << c["name"];  // the 0.5 px of the brief, with a margin to spare
    std::cout << "[landmark net] " << c["name"].get<std::string>() << ": max landmark diff " << md << " px\n";
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The whole pipeline on the sample photos.

struct PipelineStats {
  double max_box = 0, max_score = 0, max_landmark = 0, sum_landmark = 0, max_prob = 0, max_descriptor = 0;
  int landmarks = 0, faces = 0;
};

void compare_pipeline(const FaceAnalyzer& analyzer, const Image& image, const json& golden, const std::string& what,
                      double landmark_tol, double prob_tol, double descriptor_tol, PipelineStats* stats) {
  const std::vector<Face> faces = analyzer.detect(image);
  const json& want = golden["faces"];
  ASSERT_EQ(faces.size(), want.size()) << what;
  const auto probs = analyzer.expressions(image, faces);
  const auto desc = analyzer.descriptors(image, faces);
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const json& d = want[i]["detection"];
    stats->max_score = std::max(stats->max_score, std::abs(faces[i].score - d["score"].get<double>()));
    for (const char* k : {"x", "y", "width", "height"}) {
      const double got = k[0] == 'x' ? faces[i].box.x : k[0] == 'y' ? faces[i].box.y : k[0] == 'w' ? faces[i].box.width : faces[i].box.height;
      stats->max_box = std::max(stats->max_box, std::abs(got - d["box"][k].get<double>()));
    }
    for (int k = 0; k < 68; ++k) {
      const double dx = faces[i].landmarks[k].x - want[i]["landmarks"][k][0].get<double>();
      const double dy = faces[i].landmarks[k].y - want[i]["landmarks"][k][1].get<double>();
      const double dist = std::hypot(dx, dy);
      stats->max_landmark = std::max(stats->max_landmark, dist);
      stats->sum_landmark += dist;
      ++stats->landmarks;
    }
    for (int e = 0; e < kNumExpressions; ++e)
      stats->max_prob = std::max(stats->max_prob, std::abs(probs[i].probs[e] - want[i]["expressions"][e].get<double>()));
    for (int k = 0; k < kFaceDescriptorSize; ++k)
      stats->max_descriptor = std::max(stats->max_descriptor, std::abs(desc[i][k] - want[i]["descriptor"][k].get<double>()));
    ++stats->faces;
  }
  EXPECT_LE(stats->max_landmark, landmark_tol) << what;
  EXPECT_LE(stats->max_prob, prob_tol) << what;
  EXPECT_LE(stats->max_descriptor, descriptor_tol) << what;
}

void print_stats(const std::string& what, const PipelineStats& s) {
  std::cout << "[pipeline] " << what << ": faces " << s.faces << ", max |box diff| " << s.max_box
            << " px, max |score diff| " << s.max_score << ", landmarks max " << s.max_landmark << " px mean "
            << (s.landmarks ? s.sum_landmark / s.landmarks : 0.0) << " px, max |prob diff| " << s.max_prob
            << ", max |descriptor diff| " << s.max_descriptor << "\n";
}

const FaceAnalyzer& analyzer() {
  static const FaceAnalyzer a([] {
    FaceAnalyzerOptions o;
    o.threads = 2;
    return o;
  }());
  return a;
}

TEST(FaceAnalyzer, Sample1MatchesGoldenExactPixels) {
  REQUIRE_MODELS();
  const json golden = load_golden("pipeline/sample1.json");
  const Image image = read_image(source_path(golden["image"]["pixels_png"].get<std::string>()));
  ASSERT_EQ(image.width(), golden["image"]["width"].get<int>());
  PipelineStats s;
  compare_pipeline(analyzer(), image, golden, "sample1", 0.5, 1e-3, 1e-3, &s);
  EXPECT_LE(s.max_box, 0.5);
  EXPECT_LE(s.max_score, 1e-4);
  print_stats("sample1 (golden pixels)", s);
  // The crops face-api sliced, rebuilt from our landmarks.
  const std::vector<Face> faces = analyzer().detect(image);
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const json& c = golden["faces"][i]["crops"];
    auto rect = [](const json& r) {
      return PixelRect{r["x"].get<int>(), r["y"].get<int>(), r["width"].get<int>(), r["height"].get<int>()};
    };
    EXPECT_EQ(clip_at_image_borders(faces[i].box, image.width(), image.height()), rect(c["landmark"])) << i;
    EXPECT_EQ(expression_crop(faces[i].landmarks, image.width(), image.height()), rect(c["expression"])) << i;
    EXPECT_EQ(recognition_crop(faces[i].landmarks, image.width(), image.height()), rect(c["recognition"])) << i;
  }
}

TEST(FaceAnalyzer, AllSamplesMatchGoldenWhenPixelsExist) {
  REQUIRE_MODELS();
  PipelineStats total;
  int samples = 0;
  for (int n = 1; n <= 6; ++n) {
    const json golden = load_golden("pipeline/sample" + std::to_string(n) + ".json");
    const std::string png = source_path(golden["image"]["pixels_png"].get<std::string>());
    if (!fs::exists(png)) continue;
    PipelineStats s;
    compare_pipeline(analyzer(), read_image(png), golden, "sample" + std::to_string(n), 0.5, 1e-3, 1e-3, &s);
    print_stats("sample" + std::to_string(n) + " (golden pixels)", s);
    total.faces += s.faces;
    ++samples;
  }
  if (samples < 6)
    GTEST_SKIP() << "only " << samples << " of 6 golden pixel PNGs present (run tools/reference/make_goldens.sh)";
  EXPECT_EQ(total.faces, 22);
}

TEST(FaceAnalyzer, OpenCvDecodedSamplesStayCloseToGolden) {
  // What users get: the JPEGs decoded by OpenCV (libjpeg-turbo, fancy upsampling) rather than jpeg-js. The
  // differences are printed for the README table; the bounds only catch gross breakage.
  REQUIRE_MODELS();
  int samples = 0, faces = 0;
  for (int n = 1; n <= 6; ++n) {
    const json golden = load_golden("pipeline/sample" + std::to_string(n) + ".json");
    const std::string jpeg = source_path(golden["image"]["jpeg"].get<std::string>());
    if (!fs::exists(jpeg)) continue;
    PipelineStats s;
    // Measured: landmarks max 10.5 px (sample4), mean <= 1.4 px; probabilities up to 0.40 apart (sample5).
    compare_pipeline(analyzer(), read_image(jpeg), golden, "sample" + std::to_string(n) + " (OpenCV)", 15.0, 0.5, 0.1,
                     &s);
    EXPECT_LE(s.sum_landmark / s.landmarks, 2.0) << "sample" << n;
    print_stats("sample" + std::to_string(n) + " (OpenCV decode)", s);
    faces += s.faces;
    ++samples;
  }
  if (samples == 0) GTEST_SKIP() << "sample JPEGs absent (run scripts/fetch_models.sh)";
  if (samples == 6) EXPECT_EQ(faces, 22);
}

TEST(FaceAnalyzer, RejectsBadInput) {
  REQUIRE_MODELS();
  Face f;
  f.box = {1, 1, 10, 10};
  const Image image = synthetic(64, 64);
  EXPECT_THROW(analyzer().expressions(image, {f}), InvalidArgument);  // no landmarks
  EXPECT_THROW(analyzer().detect(Image(8, 8, 1)), InvalidArgument);
  EXPECT_TRUE(analyzer().detect(synthetic(64, 80)).empty());
}

}  // namespace
}  // namespace ferguard
