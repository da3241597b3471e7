// A user's TF.js graph model as a recogniser: the spec's text form, and the bundled mobileface graph loaded through a
// spec behaving exactly as the built-in "mobileface" recogniser.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <tuple>
#include <nlohmann/json.hpp>

#include "ferguard/ferguard.h"
#include "ferguard/model/recognizer.h"
#include "test_util.h"

namespace ferguard {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSource = FERGUARD_SOURCE_DIR;

std::string graph_file(const std::string& name) { return (fs::path(resolve_graph_models_dir()) / name).string(); }
bool models_present() { return fs::exists(graph_file("mobileface.json")); }

// The InvalidArgument message of parsing `text`, or "" when it parses.
std::string parse_error(const std::string& text) {
  try {
    parse_graph_recognizer_spec(text);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(GraphRecognizerSpec, ParsesDefaults) {
  const GraphRecognizerSpec s = parse_graph_recognizer_spec("mine=/models/net/model.json");
  EXPECT_EQ(s.name, "mine");
  EXPECT_EQ(s.model_path, "/models/net/model.json");
  EXPECT_EQ(s.size, 112);
  EXPECT_EQ(s.range_lo, 0.0f);
  EXPECT_EQ(s.range_hi, 255.0f);
  EXPECT_EQ(s.distance, DistanceKind::cosine);
  EXPECT_FLOAT_EQ(s.crop, 1.2f);
  EXPECT_EQ(s.threshold, 0.0f);
  EXPECT_EQ(s.output, "");
  // Some keys only: the others keep their defaults.
  const GraphRecognizerSpec t = parse_graph_recognizer_spec("a=m.json:crop=1.5");
  EXPECT_FLOAT_EQ(t.crop, 1.5f);
  EXPECT_EQ(t.size, 112);
  EXPECT_EQ(t.model_path, "m.json");
}

TEST(GraphRecognizerSpec, ParsesEveryKey) {
  const GraphRecognizerSpec s = parse_graph_recognizer_spec(
      "arc face=/m/arc.json:size=160,range=-1-1,distance=euclidean,crop=1.35,threshold=0.4,output=emb/BiasAdd");
  EXPECT_EQ(s.name, "arc face");
  EXPECT_EQ(s.model_path, "/m/arc.json");
  EXPECT_EQ(s.size, 160);
  EXPECT_EQ(s.range_lo, -1.0f);
  EXPECT_EQ(s.range_hi, 1.0f);
  EXPECT_EQ(s.distance, DistanceKind::euclidean);
  EXPECT_FLOAT_EQ(s.crop, 1.35f);
  EXPECT_FLOAT_EQ(s.threshold, 0.4f);
  EXPECT_EQ(s.output, "emb/BiasAdd");
  const GraphRecognizerSpec r = parse_graph_recognizer_spec("x=m.json:range=-127.5--0.5,distance=cosine");
  EXPECT_EQ(r.range_lo, -127.5f);
  EXPECT_EQ(r.range_hi, -0.5f);
  EXPECT_EQ(r.distance, DistanceKind::cosine);
}

TEST(GraphRecognizerSpec, PathsMayContainColons) {
  // The options start after the last ':' only when what follows has an '='.
  EXPECT_EQ(parse_graph_recognizer_spec("a=/d:x/m.json").model_path, "/d:x/m.json");
  const GraphRecognizerSpec s = parse_graph_recognizer_spec("a=/d:x/m.json:size=64");
  EXPECT_EQ(s.model_path, "/d:x/m.json");
  EXPECT_EQ(s.size, 64);
  // '=' in the name's value part belongs to the path when no ':' follows it... and the name ends at the first '='.
  EXPECT_EQ(parse_graph_recognizer_spec("a=b=c.json").model_path, "b=c.json");
}

TEST(GraphRecognizerSpec, RejectsBadText) {
  struct Bad {
    std::string text, part;
  };
  const std::vector<Bad> cases = {
      {"nothing", "no '='"},
      {"=m.json", "empty name"},
      {"a=", "empty path"},
      {"a=:size=64", "empty path"},
      {"a=m.json:size=abc", "'size=abc'"},
      {"a=m.json:size=112.5", "'size=112.5'"},
      {"a=m.json:size=", "'size='"},
      {"a=m.json:crop=1.2x", "'crop=1.2x'"},
      {"a=m.json:threshold=nan", "'threshold=nan'"},
      {"a=m.json:range=0_255", "'range=0_255'"},
      {"a=m.json:range=0-", "'range=0-'"},
      {"a=m.json:distance=manhattan", "'distance=manhattan'"},
      {"a=m.json:colour=rgb", "'colour=rgb'"},
      {"a=m.json:size=112,crop", "'crop'"},
      {"a=m.json:size=112,,crop=1", "''"},
      {"a=m.json:size=112,size=96", "'size=96'"},
      {"a=m.json:output=", "'output='"},
      {"a=m.json:range=1-1", "range"},
      {"a=m.json:range=255-0", "range"},
      {"a=m.json:size=0", "size"},
      {"a=m.json:crop=0", "crop"},
      {"a=m.json:threshold=-0.1", "threshold"},
  };
  for (const Bad& b : cases) {
    const std::string e = parse_error(b.text);
    ASSERT_FALSE(e.empty()) << b.text << " parsed";
    EXPECT_NE(e.find("'" + b.text + "'"), std::string::npos) << e;  // names the text
    EXPECT_NE(e.find(b.part), std::string::npos) << e;                // and the bad part
  }
}

TEST(GraphRecognizerSpec, ValidateNamesTheField) {
  GraphRecognizerSpec s;
  s.model_path = "m.json";
  s.name = "";
  EXPECT_THROW(s.validate(), InvalidArgument);
  s.name = "a";
  EXPECT_NO_THROW(s.validate());
  s.range_lo = 2.0f, s.range_hi = 1.0f;
  try {
    s.validate();
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("GraphRecognizerSpec.range"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_graph_recognizer(s), InvalidArgument);
}

TEST(GraphRecognizerSpec, MissingAndCorruptFilesAreModelErrors) {
  test::TempDir dir;
  auto message = [](const GraphRecognizerSpec& s) -> std::string {
    try {
      make_graph_recognizer(s);
    } catch (const ModelError& e) {
      return e.what();
    }
    return "";
  };
  GraphRecognizerSpec s = parse_graph_recognizer_spec("x=" + dir.file("absent.json"));
  std::string e = message(s);
  EXPECT_NE(e.find(dir.file("absent.json")), std::string::npos) << e;
  std::ofstream(dir.file("corrupt.json")) << "{\"modelTopology\": {\"node\": [";
  s.model_path = dir.file("corrupt.json");
  e = message(s);
  EXPECT_NE(e.find("corrupt.json"), std::string::npos) << e;
  std::ofstream(dir.file("other.json")) << "{\"name\": \"a package.json, not a graph model\"}";
  s.model_path = dir.file("other.json");
  e = message(s);
  EXPECT_NE(e.find("other.json"), std::string::npos) << e;
}

// A one-op graph written here: x (Placeholder) -> Mean over height and width, no signature, so its one sink is the
// output: each face's embedding is the mean fed value of each channel.
std::string write_mean_model(const test::TempDir& dir) {
  const json model = {
      {"format", "graph-model"},
      {"modelTopology",
       {{"node",
         {{{"name", "x"}, {"op", "Placeholder"}},
          {{"name", "ax"}, {"op", "Const"}},
          {{"name", "m"}, {"op", "Mean"}, {"input", {"x", "ax"}}, {"attr", {{"keep_dims", {{"b", false}}}}}}}}}},
      {"weightsManifest", {{{"paths", {"w.bin"}}, {"weights", {{{"name", "ax"}, {"shape", {2}}, {"dtype", "int32"}}}}}}}};
  std::ofstream(dir.file("model.json")) << model.dump();
  const std::int32_t axes[2] = {1, 2};
  std::ofstream(dir.file("w.bin"), std::ios::binary).write(reinterpret_cast<const char*>(axes), sizeof axes);
  return dir.file("model.json");
}

TEST(GraphRecognizerSpec, FeedsTheRangeAndReadsTheSink) {
  test::TempDir dir;
  const std::string path = write_mean_model(dir);
  Image crop(10, 12, 3);
  const std::uint8_t v[3] = {30, 128, 255};
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 12; ++x)
      for (int c = 0; c < 3; ++c) crop.at(y, x, c) = v[c];
  for (const auto& [range, lo, hi] : {std::tuple{"0-255", 0.0f, 255.0f}, std::tuple{"-1-1", -1.0f, 1.0f},
                                      std::tuple{"0-1", 0.0f, 1.0f}, std::tuple{"-127.5-127.5", -127.5f, 127.5f}}) {
    const auto rec = make_graph_recognizer(
        parse_graph_recognizer_spec("mean=" + path + ":size=8,distance=euclidean,range=" + range));
    EXPECT_EQ(rec->dim(), 3);
    EXPECT_EQ(rec->distance_kind(), DistanceKind::euclidean);
    const std::vector<std::vector<float>> e = rec->embed({crop, crop});
    ASSERT_EQ(e.size(), 2u);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(e[1][c], lo + v[c] / 255.0f * (hi - lo), 1e-5f * (hi - lo)) << range << " " << c;
  }
  // The graph runs at any size, so the spec's size only sets the resize; a wrong output is named.
  try {
    make_graph_recognizer(parse_graph_recognizer_spec("mean=" + path + ":output=x2"));
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("'x2'"), std::string::npos) << e.what();
  }
}

TEST(GraphRecognizerSpec, MobilefaceThroughASpecEqualsTheBuiltIn) {
  if (!models_present()) GTEST_SKIP() << "graph models absent: run scripts/fetch_models.sh (make test does)";
  const auto builtin = make_recognizer("mobileface");
  const auto mine = make_graph_recognizer(parse_graph_recognizer_spec(
      "mobile=" + graph_file("mobileface.json") + ":size=112,range=0-255,distance=cosine,crop=1.1"));
  EXPECT_EQ(mine->name(), "mobile");
  EXPECT_EQ(mine->dim(), 256);  // learnt from the trial run
  EXPECT_EQ(mine->distance_kind(), DistanceKind::cosine);
  EXPECT_EQ(mine->threshold(), 0.0f);  // not given
  const Image pixels = read_image(kSource + "/tests/data/golden/faceapi/pixels/sample1.png");
  const json pipeline = json::parse(std::ifstream(kSource + "/tests/data/golden/faceapi/pipeline/sample1.json"));
  std::vector<Face> faces;
  for (const json& f : pipeline["faces"]) {
    Face face;
    for (const json& p : f["landmarks"]) face.landmarks.push_back({p[0].get<float>(), p[1].get<float>()});
    EXPECT_EQ(mine->crop_rect(face, pixels.width(), pixels.height()),
              builtin->crop_rect(face, pixels.width(), pixels.height()));
    faces.push_back(face);
  }
  ASSERT_GE(faces.size(), 1u);
  const auto a = builtin->embed_faces(pixels, faces);
  const auto b = mine->embed_faces(pixels, faces);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "face " << i;
  EXPECT_NEAR(mine->distance(a[0], b[0]), 0.0f, 1e-6);
  // A given threshold is returned as is.
  const auto with_threshold = make_graph_recognizer(
      parse_graph_recognizer_spec("m2=" + graph_file("mobileface.json") + ":crop=1.1,threshold=0.35"));
  EXPECT_FLOAT_EQ(with_threshold->threshold(), 0.35f);
}

TEST(GraphRecognizerSpec, ModelsThatDoNotFitFailAtLoad) {
  if (!models_present()) GTEST_SKIP() << "graph models absent: run scripts/fetch_models.sh (make test does)";
  auto message = [](const std::string& text) -> std::string {
    try {
      make_graph_recognizer(parse_graph_recognizer_spec(text));
    } catch (const ModelError& e) {
      return e.what();
    }
    return "";
  };
  // faceres declares three outputs: which one is the embedding must be said.
  std::string e = message("f=" + graph_file("faceres.json") + ":size=224");
  EXPECT_NE(e.find("output="), std::string::npos) << e;
  EXPECT_NE(e.find("faceres.json"), std::string::npos) << e;
  e = message("m=" + graph_file("mobileface.json") + ":output=no/such/node");
  EXPECT_NE(e.find("no/such/node"), std::string::npos) << e;
  // The wrong input side fails the trial run on a grey face, naming the file.
  e = message("m=" + graph_file("mobileface.json") + ":size=64");
  EXPECT_NE(e.find("trial run"), std::string::npos) << e;
  EXPECT_NE(e.find("mobileface.json"), std::string::npos) << e;
}

TEST(GraphRecognizerSpec, FaceresEmbeddingThroughASpecEqualsTheBuiltIn) {
  if (!models_present()) GTEST_SKIP() << "graph models absent: run scripts/fetch_models.sh (make test does)";
  const auto builtin = make_recognizer("faceres");
  const auto mine = make_graph_recognizer(parse_graph_recognizer_spec(
      "hse=" + graph_file("faceres.json") + ":size=224,distance=euclidean,crop=1.4,output=global_pooling/Mean"));
  EXPECT_EQ(mine->dim(), 1024);
  Image crop(150, 130, 3);
  for (int y = 0; y < 150; ++y)
    for (int x = 0; x < 130; ++x)
      for (int c = 0; c < 3; ++c) crop.at(y, x, c) = static_cast<std::uint8_t>((x * 3 + y * 5 + c * 70) % 256);
  EXPECT_EQ(mine->embed({crop}), builtin->embed({crop}));
}

}  // namespace
}  // namespace ferguard
