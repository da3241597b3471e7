// The bundled models are checked against their pinned sha256 when loaded; a model that is not the bundled one is
// checked structurally, tried once at load, and its non-finite weights or outputs are ModelErrors, never figures.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <random>

#include "ferguard/ferguard.h"
#include "model/model_files.h"
#include "model/tfjs_weights.h"
#include "test_util.h"

namespace ferguard {
namespace {
namespace fs = std::filesystem;

std::string model_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

// Same size, random bytes: what a disk error or a careless copy leaves.
void scramble(const std::string& path) {
  const auto n = fs::file_size(path);
  std::mt19937 rng(7);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

void copy_folder(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) fs::copy_file(e.path(), fs::path(to) / e.path().filename());
}

struct UnpinnedModels {  // FERGUARD_UNPINNED_MODELS=1 for one scope
  UnpinnedModels() { ::setenv("FERGUARD_UNPINNED_MODELS", "1", 1); }
  ~UnpinnedModels() { ::unsetenv("FERGUARD_UNPINNED_MODELS"); }
};

TEST(ModelPins, EveryBundledFileIsPinnedAndMatches) {
  int files = 0;
  for (const std::string& dir : {resolve_models_dir(""), resolve_graph_models_dir("")}) {
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (name[0] == '.') continue;
      EXPECT_FALSE(detail::pinned_sha256(name).empty()) << name << " has no pin: rerun scripts/pin_models.sh";
      EXPECT_TRUE(detail::read_model_file(e.path().string(), "model file").pinned) << name;
      ++files;
    }
  }
  EXPECT_EQ(files, 20);
  EXPECT_EQ(detail::pinned_sha256("my_model.bin"), "");
}

TEST(ModelPins, ScrambledBundledGraphModelIsRefusedAtLoad) {
  test::TempDir dir;
  copy_folder(resolve_graph_models_dir(""), dir.file("human"));
  scramble(dir.file("human/emotion.bin"));
  ModelOptions o;
  o.graph_dir = dir.file("human");
  const std::string pinned = model_error([&] { make_expression_model("emotion", o); });
  EXPECT_NE(pinned.find("emotion.bin"), std::string::npos) << pinned;
  EXPECT_NE(pinned.find("sha256"), std::string::npos) << pinned;

  UnpinnedModels unpinned;  // then only the structural checks stand between the bytes and a figure
  const std::string structural = model_error([&] { make_expression_model("emotion", o); });
  EXPECT_NE(structural.find("emotion"), std::string::npos) << structural;
  EXPECT_EQ(structural.find("frame #"), std::string::npos) << structural;  // no C++ stack trace
  EXPECT_EQ(structural.find("Exception raised from"), std::string::npos) << structural;
}

TEST(ModelPins, ScrambledBundledFaceApiNetIsRefusedAtLoad) {
  test::TempDir dir;
  copy_folder(resolve_models_dir(""), dir.file("faceapi"));
  scramble(dir.file("faceapi/face_expression_model.bin"));
  FaceNetOptions o;
  o.models_dir = dir.file("faceapi");
  const std::string pinned = model_error([&] { ExpressionNet net(o); });
  EXPECT_NE(pinned.find("face_expression_model.bin"), std::string::npos) << pinned;
  EXPECT_NE(pinned.find("sha256"), std::string::npos) << pinned;
  UnpinnedModels unpinned;
  const std::string structural = model_error([&] { ExpressionNet net(o); });
  EXPECT_NE(structural.find("face_expression_model"), std::string::npos) << structural;
}

TEST(ModelPins, WeightFilesNamedByAManifestMustBeRegularFiles) {
  test::TempDir dir;
  std::ofstream(dir.file("m-weights_manifest.json"))
      << R"([{"paths":["/dev/zero"],"weights":[{"name":"w","shape":[2],"dtype":"float32"}]}])";
  const std::string msg = model_error([&] { detail::TfjsWeights::load(dir.file("m-weights_manifest.json")); });
  EXPECT_NE(msg.find("/dev/zero"), std::string::npos) << msg;  // refused unread: no endless read
  EXPECT_NE(msg.find("device"), std::string::npos) << msg;
}

TEST(ModelPins, NonFiniteValuesAreModelErrors) {
  const float ok[3] = {0.0f, 1.0f, -2.0f};
  EXPECT_NO_THROW(detail::check_finite_values(ok, 3, "m", "the output"));
  const float bad[3] = {0.0f, std::numeric_limits<float>::quiet_NaN(), 1.0f};
  EXPECT_NE(model_error([&] { detail::check_finite_values(bad, 3, "m", "the output"); }).find("model 'm'"),
            std::string::npos);
}

}  // namespace
}  // namespace ferguard
