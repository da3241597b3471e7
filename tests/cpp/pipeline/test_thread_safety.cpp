// The thread-safety contract of docs/thread_safety.md: objects documented as shareable give, when one instance is
// shared by several threads calling it at once, the same bytes as the same calls made one after another.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ferguard/frequency/frequency_splitter.h"
#include "ferguard/io/image_io.h"
#include "ferguard/model/faceapi_nets.h"
#include "ferguard/model/recognizer.h"
#include "ferguard/pipeline/pipeline.h"
#include "ferguard/privacy/template_bank.h"
#include "test_util.h"

namespace ferguard {
namespace {

namespace fs = std::filesystem;

bool models_present() {
  return fs::exists(fs::path(resolve_graph_models_dir()) / "faceres.json") &&
         fs::exists(fs::path(resolve_models_dir()) / "face_recognition_model-weights_manifest.json");
}

std::string sample_photo(int i) {
  return std::string(FERGUARD_SOURCE_DIR) + "/assets/faceapi/samples/sample" + std::to_string(i) + ".jpg";
}

// What a caller of analyze() gets back that must not depend on other threads: the published bytes and, per face,
// the status, reason, prediction and change.
void expect_same_result(const AnalysisResult& got, const AnalysisResult& want, const std::string& what) {
  EXPECT_EQ(got.private_image.pixels(), want.private_image.pixels()) << what;
  ASSERT_EQ(got.faces.size(), want.faces.size()) << what;
  for (std::size_t f = 0; f < got.faces.size(); ++f) {
    const FaceResult& a = got.faces[f];
    const FaceResult& b = want.faces[f];
    EXPECT_EQ(a.status, b.status) << what << " face " << f;
    EXPECT_EQ(a.reason, b.reason) << what << " face " << f;
    EXPECT_EQ(a.expression.label(), b.expression.label()) << what << " face " << f;
    EXPECT_EQ(a.expression.probs, b.expression.probs) << what << " face " << f;
    EXPECT_EQ(a.original_expression.probs, b.original_expression.probs) << what << " face " << f;
    EXPECT_EQ(a.change, b.change) << what << " face " << f;
    EXPECT_EQ(a.template_donors, b.template_donors) << what << " face " << f;
  }
}

// One Pipeline (the default template method, privatize and predict only) shared by four threads, each analysing
// two different photos, against the same calls made one after another on the same object.
TEST(ThreadSafety, OnePipelineSharedByFourThreadsGivesTheSequentialBytes) {
  if (!models_present()) GTEST_SKIP() << "models absent: run scripts/fetch_models.sh (make test does)";
  if (!fs::exists(resolve_template_bank())) GTEST_SKIP() << "template bank absent: make builds it";
  if (!fs::exists(sample_photo(1))) GTEST_SKIP() << "sample photos absent: run scripts/fetch_models.sh";
  std::vector<Image> photos;
  for (int i = 1; i <= 4; ++i) {
    const Image full = read_image(sample_photo(i));
    // Half size keeps the test short: the same faces, four times fewer pixels.
    std::vector<std::uint8_t> half(std::size_t(full.height() / 2) * (full.width() / 2) * 3);
    for (int y = 0; y < full.height() / 2; ++y)
      for (int x = 0; x < full.width() / 2; ++x)
        for (int c = 0; c < 3; ++c) half[(std::size_t(y) * (full.width() / 2) + x) * 3 + c] = full.at(2 * y, 2 * x, c);
    photos.emplace_back(full.height() / 2, full.width() / 2, 3, std::move(half));
  }
  PipelineOptions o;
  o.audit = false;
  o.compensation_steps = 1;
  const Pipeline pipeline(o);

  std::vector<AnalysisResult> sequential;
  for (const Image& p : photos) sequential.push_back(pipeline.analyze(p));
  int faces = 0;
  for (const AnalysisResult& r : sequential) faces += int(r.faces.size());
  ASSERT_GE(faces, 8) << "the photos should hold several faces each";

  constexpr int kThreads = 4;
  std::vector<std::vector<AnalysisResult>> concurrent(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t)
    workers.emplace_back([&, t] {
      try {
        for (int k = 0; k < 2; ++k) concurrent[t].push_back(pipeline.analyze(photos[(t + k) % photos.size()]));
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  for (std::thread& w : workers) w.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(errors[t], "") << "thread " << t;
    ASSERT_EQ(concurrent[t].size(), 2u);
    for (int k = 0; k < 2; ++k) {
      const std::size_t photo = (t + k) % photos.size();
      expect_same_result(concurrent[t][k], sequential[photo],
                         "thread " + std::to_string(t) + ", photo " + std::to_string(photo + 1));
    }
  }
}

// A fresh splitter shared by threads that all need new plans at once: planning is serialised, the cache is filled
// once per size, and every result equals a private splitter's.
TEST(ThreadSafety, ASharedSplitterPlansConcurrentlyForNewSizes) {
  SplitOptions o;
  o.threads = 1;
  std::vector<Tensor4> inputs;
  for (unsigned i = 0; i < 6; ++i) inputs.push_back(test::random_tensor({1, 3, 40 + int(i % 3) * 9, 33 + int(i)}, i));
  std::vector<SplitResult> reference;
  for (const Tensor4& x : inputs) reference.push_back(FrequencySplitter(o).split(x));
  const FrequencySplitter shared(o);
  std::vector<SplitResult> got(inputs.size() * 2);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < got.size(); ++t)
    workers.emplace_back([&, t] { got[t] = shared.split(inputs[t % inputs.size()]); });
  for (std::thread& w : workers) w.join();
  for (std::size_t t = 0; t < got.size(); ++t) {
    EXPECT_EQ(got[t].low.vector(), reference[t % inputs.size()].low.vector()) << t;
    EXPECT_EQ(got[t].high.vector(), reference[t % inputs.size()].high.vector()) << t;
  }
}

// A loaded TemplateBank is a value: concurrent select() calls read it only.
TEST(ThreadSafety, ATemplateBankServesConcurrentSelects) {
  if (!fs::exists(resolve_template_bank())) GTEST_SKIP() << "template bank absent: make builds it";
  const TemplateBank bank = TemplateBank::load(resolve_template_bank());
  std::vector<FaceTemplate> want;
  for (int e = 0; e < kNumExpressions; ++e) want.push_back(bank.select(Expression(e)));
  std::vector<std::vector<FaceTemplate>> got(3);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < got.size(); ++t)
    workers.emplace_back([&, t] {
      for (int e = 0; e < kNumExpressions; ++e) got[t].push_back(bank.select(Expression(e)));
    });
  for (std::thread& w : workers) w.join();
  for (const auto& g : got)
    for (int e = 0; e < kNumExpressions; ++e) {
      EXPECT_EQ(g[e].texture.vector(), want[e].texture.vector()) << e;
      EXPECT_EQ(g[e].donors, want[e].donors) << e;
    }
}

}  // namespace
}  // namespace ferguard
