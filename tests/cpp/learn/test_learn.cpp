// The learned pipeline: metrics and options, and a tiny end-to-end run (train, determinism, resume,
// evaluate, inference) on the blob stand-in.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ferguard/error.h"
#include "ferguard/learn/pipeline.h"
#include "ferguard/learn/train.h"
#include "learn/blob_faces.h"
#include "learn/stages.h"
#include "test_util.h"

namespace ferguard {
namespace {
namespace fs = std::filesystem;

TEST(LeakageRatio, FollowsTheDocumentedFormula) {
  EXPECT_DOUBLE_EQ(leakage_ratio(1.0, 1.0, 0.02), 1.0);
  EXPECT_DOUBLE_EQ(leakage_ratio(0.02, 1.0, 0.02), 0.0);
  EXPECT_DOUBLE_EQ(leakage_ratio(0.01, 1.0, 0.02), 0.0);  // below chance clips to 0
  EXPECT_NEAR(leakage_ratio(0.51, 0.98, 0.02), 0.49 / 0.96, 1e-12);
  EXPECT_DOUBLE_EQ(leakage_ratio(0.5, 0.02, 0.02), 0.0);  // a clean classifier at chance: no ratio
}

TEST(IdentityGroups, GoFromEveryIdentityToOneGroup) {
  EXPECT_EQ(learn::identity_groups(0.0, 50), 50);
  EXPECT_EQ(learn::identity_groups(1.0, 50), 1);
  EXPECT_EQ(learn::identity_groups(0.75, 5), 2);
  int previous = 51;
  for (double s = 0.0; s <= 1.0; s += 0.05) {
    const int g = learn::identity_groups(s, 50);
    EXPECT_LE(g, previous);
    previous = g;
  }
}

TEST(ClassificationMetrics, CountsConfusionF1AndRecall) {
  const torch::Tensor truth = torch::tensor({0, 0, 1, 1, 2}, torch::kInt64);
  const torch::Tensor pred = torch::tensor({0, 1, 1, 1, 0}, torch::kInt64);
  const ClassificationMetrics m = learn::classification_metrics(pred, truth, 3);
  EXPECT_DOUBLE_EQ(m.accuracy, 3.0 / 5.0);
  EXPECT_EQ(m.confusion[0][0], 1);
  EXPECT_EQ(m.confusion[0][1], 1);
  EXPECT_EQ(m.confusion[2][0], 1);
  EXPECT_DOUBLE_EQ(m.per_class_f1[0], 2.0 * 1 / (2 + 2));  // tp 1, 2 true, 2 predicted
  EXPECT_DOUBLE_EQ(m.per_class_f1[1], 2.0 * 2 / (2 + 3));
  EXPECT_DOUBLE_EQ(m.per_class_f1[2], 0.0);
  EXPECT_DOUBLE_EQ(m.per_class_recall[1], 1.0);
  EXPECT_NEAR(m.macro_f1, (0.5 + 0.8 + 0.0) / 3, 1e-12);
}

TEST(TrainOptions, PresetsAndValidation) {
  EXPECT_EQ(TrainOptions::from_preset("quick").image_size, 64);
  EXPECT_EQ(TrainOptions::from_preset("full").image_size, 112);
  EXPECT_THROW(TrainOptions::from_preset("huge"), InvalidArgument);
  TrainOptions o;
  o.strength_low = 1.5;
  EXPECT_THROW(o.validate(), InvalidArgument);
  o = TrainOptions{};
  o.distributed.world_size = 3;
  o.batch_size = 64;
  EXPECT_THROW(o.validate(), InvalidArgument);  // 64 does not split into 3 equal slices
  o.batch_size = 63;
  o.distributed.rank = 3;
  EXPECT_THROW(o.validate(), InvalidArgument);
  o.distributed.rank = 2;
  EXPECT_NO_THROW(o.validate());
  EXPECT_EQ(parse_stream_split("haar"), StreamSplit::haar);
  EXPECT_THROW(parse_stream_split("dct"), InvalidArgument);
}

TEST(ThreadGuard, RestoresTheCallersThreadCount) {
  const int before = at::get_num_threads();
  {
    learn::ThreadGuard g(before == 1 ? 2 : 1);
    EXPECT_NE(at::get_num_threads(), before);
  }
  EXPECT_EQ(at::get_num_threads(), before);
}

TrainOptions tiny_options() {
  TrainOptions o = TrainOptions::from_preset("tiny");
  o.epochs_fer = 2;
  o.threads = 1;
  return o;
}

// The flat parameters of every model a run wrote.
torch::Tensor trained_parameters(const std::string& dir) {
  learn::Models m(tiny_options(), 4);
  learn::load_trained(m, dir, false);
  std::vector<torch::Tensor> all;
  for (torch::nn::Module* module : std::vector<torch::nn::Module*>{(m.c_low.ptr().get()), m.c_fc.ptr().get(),
                                    m.privatizer.ptr().get(), m.f_u.ptr().get()})
    all.push_back(learn::flat_parameters(*module));
  return torch::cat(all);
}

class TinyRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    faces_ = new test::BlobFaces(4, 3, 16);
    report_ = new EvalReport(train(*faces_, dir_->path(), tiny_options()));
  }
  static void TearDownTestSuite() {
    delete report_;
    delete faces_;
    delete dir_;
  }
  static test::TempDir* dir_;
  static test::BlobFaces* faces_;
  static EvalReport* report_;
};
test::TempDir* TinyRun::dir_ = nullptr;
test::BlobFaces* TinyRun::faces_ = nullptr;
EvalReport* TinyRun::report_ = nullptr;

TEST_F(TinyRun, WritesModelsMetricsAndAReport) {
  for (const char* f : {"config.json", "report.json", "metrics.jsonl", "c_low.pt", "c_high.pt", "validator.pt", "c_fc.pt",
                        "enhancers.pt", "compensator.pt", "f_u.pt"})
    EXPECT_TRUE(fs::exists(fs::path(dir_->path()) / f)) << f;
  std::ifstream metrics(dir_->file("metrics.jsonl"));
  int lines = 0;
  for (std::string line; std::getline(metrics, line);) {
    auto j = nlohmann::json::parse(line);
    EXPECT_TRUE(j.contains("stage") && j.contains("loss") && j.contains("val") && j.contains("lr"));
    ++lines;
  }
  EXPECT_EQ(lines, 4 + 1 + 2);  // four controllers, compensator, two F_u epochs (template banks are fitted)
  const EvalReport& r = *report_;
  EXPECT_EQ(r.identities, 4);
  EXPECT_DOUBLE_EQ(r.chance, 0.25);
  EXPECT_EQ(r.test_samples, 28);
  ASSERT_EQ(r.strengths.size(), 1u);
  EXPECT_EQ(r.fer_clean.confusion.size(), static_cast<std::size_t>(kNumExpressions));
  long total = 0;
  for (const auto& row : r.fer_clean.confusion)
    for (long v : row) total += v;
  EXPECT_EQ(total, 28);
  const StrengthReport& s = r.strengths[0];
  EXPECT_DOUBLE_EQ(s.leakage, leakage_ratio(s.attacker_identity_accuracy, r.identity_accuracy_clean, r.chance));
  auto j = nlohmann::json::parse(r.to_json());
  EXPECT_EQ(j["strengths"][0]["attacker_identity_accuracy"].get<double>(), s.attacker_identity_accuracy);
  EXPECT_NE(r.table().find("| 1.00, 1.00 |"), std::string::npos);
}

TEST_F(TinyRun, SameSeedSameWeightsAndResumeReloads) {
  test::TempDir other;
  train(*faces_, other.path(), tiny_options());
  const torch::Tensor a = trained_parameters(dir_->path()), b = trained_parameters(other.path());
  EXPECT_TRUE(torch::equal(a, b));
  TrainOptions shifted = tiny_options();
  shifted.seed = 99;
  test::TempDir third;
  train(*faces_, third.path(), shifted);
  EXPECT_FALSE(torch::equal(a, trained_parameters(third.path())));

  // Interrupt F_u after its first epoch: the resumed run continues from the checkpoint and ends where an
  // uninterrupted run ends.
  nlohmann::json state = {{"epoch", 0}, {"best_score", -1e300}, {"best_epoch", -1}, {"done", false}};
  fs::remove(fs::path(other.path()) / "f_u.pt");
  std::ofstream(other.file("checkpoints/f_u.json")) << state.dump();
  fs::copy_file(other.file("checkpoints/f_u.best.pt"), other.file("checkpoints/f_u.last.pt"),
                fs::copy_options::overwrite_existing);
  train(*faces_, other.path(), tiny_options());
  EXPECT_TRUE(fs::exists(other.file("f_u.pt")));
}

TEST_F(TinyRun, EvaluateAndInference) {
  EvalOptions e;
  e.strengths = {0.0, 1.0};
  e.progress = false;
  const EvalReport r = evaluate(dir_->path(), *faces_, e);
  ASSERT_EQ(r.strengths.size(), 3u);
  EXPECT_DOUBLE_EQ(r.strengths[1].strength_low, 0.0);
  EXPECT_DOUBLE_EQ(r.fer_clean.accuracy, report_->fer_clean.accuracy);  // the same frozen C_fc, the same test set

  PrivacyPipeline p = PrivacyPipeline::load(dir_->path());
  EXPECT_EQ(p.image_size(), 16);
  const Tensor4 x = test::random_tensor({3, 3, 24, 20}, 5);
  const Tensor4 z = p.privatize(x);
  EXPECT_EQ(z.shape(), (Shape4{3, 3, 16, 16}));
  const auto preds = p.predict(x);
  ASSERT_EQ(preds.size(), 3u);
  for (const auto& pr : preds) {
    float sum = 0.0f;
    int best = 0;
    for (int c = 0; c < kNumExpressions; ++c) {
      sum += pr.probabilities[c];
      if (pr.probabilities[c] > pr.probabilities[best]) best = c;
    }
    EXPECT_NEAR(sum, 1.0f, 1e-5f);
    EXPECT_EQ(static_cast<int>(pr.label), best);
  }
  EXPECT_THROW(p.privatize(test::random_tensor({1, 1, 16, 16}, 1)), InvalidArgument);
  EXPECT_THROW(PrivacyPipeline::load(dir_->file("missing")), IoError);
}

}  // namespace
}  // namespace ferguard
