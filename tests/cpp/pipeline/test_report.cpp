// Reports of the main job on hand-made results: JSON fields and determinism, the text table, the annotated image
// and the sweep plot.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ferguard/ferguard.h"
#include "ferguard/pipeline/report.h"
#include "test_util.h"

namespace ferguard {
namespace {

using Json = nlohmann::json;

ExpressionScores one_hot(int k, float peak) {
  ExpressionScores s;
  s.probs.fill((1.0f - peak) / (kNumExpressions - 1));
  s.probs[k] = peak;
  return s;
}

FaceResult make_face(float x, float y, float side, bool masked) {
  FaceResult f;
  f.face.box = {x, y, side, side};
  f.face.score = 0.93f;
  for (int i = 0; i < kNumFaceLandmarks; ++i)
    f.face.landmarks.push_back({x + side * (i % 10) / 10.0f, y + side * (i / 10) / 7.0f});
  f.track = 3;
  if (masked) {
    f.status = FaceStatus::masked;
    f.reason = "face too small";
    return f;
  }
  f.expression = one_hot(1, 0.8f);
  f.original_expression = one_hot(1, 0.9f);
  f.has_second = true;
  f.second_expression = one_hot(2, 0.6f);
  f.second_original_expression = one_hot(1, 0.7f);
  AuditResult a;
  a.auditor = "faceres";
  a.distance = 0.7f;
  a.threshold = 0.5f;
  a.match = false;
  a.leakage = face_leakage(a.distance, a.threshold);
  a.original_embedding = {0.1f, 0.2f, 0.3f};
  a.private_embedding = {0.3f, 0.2f, 0.1f};
  f.audits = {a};
  f.leakage = a.leakage;
  f.seconds = 0.25;
  return f;
}

AnalysisResult make_result() {
  AnalysisResult r;
  r.private_image = Image(120, 160, 3);
  for (std::size_t i = 0; i < r.private_image.pixels().size(); ++i) r.private_image.data()[i] = (i * 7) % 200;
  r.faces = {make_face(20, 20, 50, false), make_face(100, 70, 30, true)};
  r.seconds = 1.5;
  return r;
}

PipelineInfo make_info() { return {"blur", {"faceapi", "mobileface"}, {"faceres"}, "faceapi", "emotion"}; }

TEST(AnalysisJson, HasTheSchemaFields) {
  ReportOptions o;
  o.input = "a.jpg";
  const Json j = Json::parse(analysis_json(make_result(), make_info(), o));
  EXPECT_EQ(j["schema"], "ferguard.analysis/2");
  EXPECT_EQ(j["ferguard_version"], FERGUARD_VERSION_STRING);
  EXPECT_EQ(j["ferguard_commit"], git_commit());
  EXPECT_EQ(j["input"], "a.jpg");
  EXPECT_FALSE(j.contains("frame"));
  EXPECT_EQ(j["image"]["width"], 160);
  EXPECT_EQ(j["image"]["height"], 120);
  EXPECT_EQ(j["method"], "blur");
  EXPECT_EQ(j["controllers"], Json({"faceapi", "mobileface"}));
  EXPECT_EQ(j["auditors"], Json({"faceres"}));
  EXPECT_EQ(j["expression_model"], "faceapi");
  EXPECT_EQ(j["second_expression_model"], "emotion");
  EXPECT_DOUBLE_EQ(j["seconds"].get<double>(), 1.5);
  ASSERT_EQ(j["faces"].size(), 2u);
  const Json& f = j["faces"][0];
  EXPECT_DOUBLE_EQ(f["box"]["x"].get<double>(), 20.0);
  EXPECT_DOUBLE_EQ(f["box"]["width"].get<double>(), 50.0);
  EXPECT_DOUBLE_EQ(f["score"].get<double>(), 0.93);  // the float's shortest form, not 0.9300000071525574
  ASSERT_EQ(f["landmarks"].size(), 68u);
  EXPECT_EQ(f["landmarks"][11].size(), 2u);
  EXPECT_DOUBLE_EQ(f["landmarks"][11][0].get<double>(), 25.0);
  EXPECT_EQ(f["track"], 3);
  EXPECT_EQ(f["status"], "privatized");
  EXPECT_EQ(f["reason"], "");
  EXPECT_EQ(f["expression"]["label"], "happy");
  EXPECT_DOUBLE_EQ(f["expression"]["probabilities"]["happy"].get<double>(), 0.8);
  EXPECT_EQ(f["expression"]["probabilities"].size(), 7u);
  EXPECT_EQ(f["original_expression"]["label"], "happy");
  EXPECT_EQ(f["second_expression"]["label"], "sad");
  EXPECT_EQ(f["second_original_expression"]["label"], "happy");
  ASSERT_EQ(f["audits"].size(), 1u);
  EXPECT_EQ(f["audits"][0]["auditor"], "faceres");
  EXPECT_EQ(f["audits"][0]["distance_kind"], "euclidean");
  EXPECT_DOUBLE_EQ(f["audits"][0]["distance"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(f["audits"][0]["threshold"].get<double>(), 0.5);
  EXPECT_EQ(f["audits"][0]["match"], false);
  EXPECT_DOUBLE_EQ(f["audits"][0]["leakage"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(f["leakage"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(f["seconds"].get<double>(), 0.25);
  const Json& m = j["faces"][1];
  EXPECT_EQ(m["status"], "masked");
  EXPECT_EQ(m["reason"], "face too small");
  EXPECT_TRUE(m["expression"].is_null());
  EXPECT_TRUE(m["original_expression"].is_null());
  EXPECT_TRUE(m["second_expression"].is_null());
  EXPECT_TRUE(m["audits"].empty());
}

TEST(AnalysisJson, EmbeddingsOnlyWhenAsked) {
  ReportOptions o;
  const std::string without = analysis_json(make_result(), make_info(), o);
  EXPECT_EQ(without.find("embedding"), std::string::npos);
  o.embeddings = true;
  o.frame = 4;
  const Json j = Json::parse(analysis_json(make_result(), make_info(), o));
  EXPECT_EQ(j["frame"], 4);
  const Json& a = j["faces"][0]["audits"][0];
  ASSERT_EQ(a["original_embedding"].size(), 3u);
  EXPECT_DOUBLE_EQ(a["original_embedding"][2].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(a["private_embedding"][0].get<double>(), 0.3);
}

TEST(AnalysisJson, SameResultSameBytesAndFixedKeyOrder) {
  const std::string a = analysis_json(make_result(), make_info(), {"x.png", false, -1});
  const std::string b = analysis_json(make_result(), make_info(), {"x.png", false, -1});
  EXPECT_EQ(a, b);
  // Keys in schema order, not alphabetical.
  EXPECT_LT(a.find("\"schema\""), a.find("\"ferguard_version\""));
  EXPECT_LT(a.find("\"ferguard_version\""), a.find("\"ferguard_commit\""));
  EXPECT_LT(a.find("\"input\""), a.find("\"image\""));
  EXPECT_LT(a.find("\"faces\""), a.rfind("\"seconds\""));
  AnalysisResult other = make_result();
  other.faces[0].audits[0].distance = 0.71f;
  EXPECT_NE(analysis_json(other, make_info(), {"x.png", false, -1}), a);
}

RunSummary make_summary(double rank1, double agreement) {
  RunSummary s;
  s.faces = 12;
  s.masked = 1;
  s.agreement = agreement;
  s.second_agreement = 0.75;
  s.agreement_interval = {agreement, agreement - 0.2, agreement};
  s.second_agreement_interval = {0.75, 0.5, 0.9};
  s.mean_kl = 0.125;
  s.seconds_per_face = 0.5;
  AuditorSummary a;
  a.auditor = "faceres";
  a.faces = 11;
  a.chance = 1.0 / 11;
  a.rank1_original = 1.0;
  a.rank1_private = rank1;
  a.verification_rate = 0.0;
  a.leakage_ratio = (rank1 - a.chance) / (1 - a.chance);
  a.mean_distance = 0.9;
  a.threshold = 0.5;
  s.auditors = {a};
  return s;
}

TEST(SummaryJson, FieldsAndTarget) {
  const Json j = Json::parse(summary_json(make_summary(1.0 / 11, 0.9), make_info()));
  EXPECT_EQ(j["schema"], "ferguard.summary/2");
  EXPECT_EQ(j["faces"], 12);
  EXPECT_EQ(j["masked"], 1);
  EXPECT_EQ(j["privatized"], 11);
  EXPECT_DOUBLE_EQ(j["second_agreement"].get<double>(), 0.75);
  ASSERT_EQ(j["auditor_summaries"].size(), 1u);
  EXPECT_EQ(j["auditor_summaries"][0]["auditor"], "faceres");
  EXPECT_DOUBLE_EQ(j["auditor_summaries"][0]["rank1_private"].get<double>(), 1.0 / 11);
  EXPECT_EQ(j["target"]["met"], true);
  EXPECT_EQ(Json::parse(summary_json(make_summary(0.5, 0.9), make_info()))["target"]["met"], false);
  EXPECT_EQ(Json::parse(summary_json(make_summary(0.0, 0.8), make_info()))["target"]["met"], false);
  RunSummary none = make_summary(0.0, 0.9);
  none.second_agreement = -1;
  EXPECT_TRUE(Json::parse(summary_json(none, make_info()))["second_agreement"].is_null());
  EXPECT_FALSE(meets_target(RunSummary{}));
}

TEST(SummaryJson, TargetUsesTheFaceProtocolTheIndependentModelAndMaskedShare) {
  EXPECT_TRUE(meets_target(make_summary(0.0, 0.9)));
  RunSummary masked = make_summary(0.0, 0.9);
  masked.masked_share = 0.08;  // more than 5 % masked
  EXPECT_FALSE(meets_target(masked));
  RunSummary weak = make_summary(0.0, 0.9);
  weak.second_agreement = 0.6;  // the independent model below 65 %
  EXPECT_FALSE(meets_target(weak));
  // With the protocol audit, the face protocol's worst crop decides, not the same-photo own-crop rank-1.
  RunSummary p = make_summary(0.0, 0.9);
  ProtocolAuditorSummary face;
  face.auditor = "faceres";
  face.protocol = AuditProtocol::face;
  face.worst_rank1 = {0.2, 0.1, 0.4};
  face.worst_variant = "1.25x";
  p.protocols.results = {face};
  EXPECT_FALSE(meets_target(p));
  p.protocols.results[0].worst_rank1 = {0.1, 0.0, 0.3};
  p.auditors[0].rank1_private = 0.9;  // the own-crop photo figure no longer decides
  EXPECT_TRUE(meets_target(p));
  const Json j = Json::parse(summary_json(p, make_info()));
  EXPECT_EQ(j["protocols"][0]["worst_variant"], "1.25x");
  EXPECT_DOUBLE_EQ(j["protocols"][0]["worst_rank1"]["hi"].get<double>(), 0.3);
  EXPECT_EQ(j["target"]["rank1_protocol"], "face (worst crop variant)");
  EXPECT_NE(format_summary(p, make_info()).find("face (headline)"), std::string::npos);
}

TEST(FormatSummary, TableAndVerdict) {
  const std::string met = format_summary(make_summary(1.0 / 11, 0.9), make_info());
  EXPECT_NE(met.find("R1 own crop"), std::string::npos);
  EXPECT_NE(met.find("faceres"), std::string::npos);
  EXPECT_NE(met.find("9.1%"), std::string::npos);   // chance and rank-1
  EXPECT_NE(met.find("90.0%"), std::string::npos);  // agreement
  EXPECT_NE(met.find("emotion (independent) 75.0% [50-90]"), std::string::npos);
  EXPECT_NE(met.find("TARGET MET"), std::string::npos);
  const std::string not_met = format_summary(make_summary(0.5, 0.9), make_info());
  EXPECT_NE(not_met.find("TARGET NOT MET"), std::string::npos);
  EXPECT_NE(not_met.find("50.0% >  15.0%"), std::string::npos);
  RunSummary small = make_summary(0.0, 1.0);
  small.auditors[0].faces = 3;
  small.auditors[0].chance = 1.0 / 3;
  EXPECT_NE(format_summary(small, make_info()).find("chance alone is 33.3%"), std::string::npos);
  EXPECT_NE(format_summary(RunSummary{}, make_info()).find("no privatized face"), std::string::npos);
}

TEST(Annotate, SameSizeAndChangesPixelsInsideTheBox) {
  const AnalysisResult r = make_result();
  const Image out = annotate(r.private_image, r);
  ASSERT_EQ(out.width(), 160);
  ASSERT_EQ(out.height(), 120);
  ASSERT_EQ(out.channels(), 3);
  auto changed = [&](int x0, int y0, int x1, int y1) {
    int n = 0;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x)
        for (int c = 0; c < 3; ++c) n += out.at(y, x, c) != r.private_image.at(y, x, c);
    return n;
  };
  EXPECT_GT(changed(20, 20, 71, 71), 50);   // the box outline (and labels) of face 0
  EXPECT_GT(changed(100, 70, 131, 101), 20);  // face 1: masked
  EXPECT_EQ(changed(140, 0, 160, 15), 0);     // far from both faces: untouched
  // The box's top-left corner is drawn in the privatized colour (green: leakage 0.3, no match).
  EXPECT_GT(out.at(20, 30, 1), 150);
  EXPECT_LT(out.at(20, 30, 0), 100);
  // No faces: the image comes back as it was.
  AnalysisResult empty;
  EXPECT_EQ(annotate(r.private_image, empty).pixels(), r.private_image.pixels());
  EXPECT_THROW(annotate(Image(), r), InvalidArgument);
  EXPECT_THROW(annotate(Image(8, 8, 1), r), InvalidArgument);
}

std::vector<SweepPoint> make_sweep() {
  std::vector<SweepPoint> points;
  for (const char* method : {"blur", "ferguard"})
    for (float s : {0.0f, 0.5f, 1.0f}) {
      const double rank1 = 1.0 - s * (method[0] == 'b' ? 0.5 : 0.9);
      const double agreement = 1.0 - s * (method[0] == 'b' ? 0.6 : 0.1);
      points.push_back({method, s, make_summary(rank1, agreement)});
    }
  return points;
}

TEST(Sweep, JsonListsEveryPoint) {
  const Json j = Json::parse(sweep_json(make_sweep(), make_info()));
  EXPECT_EQ(j["schema"], "ferguard.sweep/2");
  EXPECT_FALSE(j.contains("method"));
  ASSERT_EQ(j["points"].size(), 6u);
  EXPECT_EQ(j["points"][4]["method"], "ferguard");
  EXPECT_DOUBLE_EQ(j["points"][4]["strength"].get<double>(), 0.5);
  EXPECT_NEAR(j["points"][4]["auditor_summaries"][0]["rank1_private"].get<double>(), 0.55, 1e-12);
  EXPECT_EQ(sweep_json(make_sweep(), make_info()), sweep_json(make_sweep(), make_info()));
}

TEST(Sweep, PlotIsDrawnAndDeterministic) {
  const Image a = plot_sweep(make_sweep(), "faceres");
  ASSERT_EQ(a.width(), 800);
  ASSERT_EQ(a.height(), 600);
  EXPECT_EQ(a.pixels(), plot_sweep(make_sweep(), "faceres").pixels());
  // Not a blank canvas, and the blur series' colour (31, 119, 180) appears.
  int coloured = 0, blue = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) {
      coloured += a.at(y, x, 0) != 255 || a.at(y, x, 1) != 255 || a.at(y, x, 2) != 255;
      blue += a.at(y, x, 0) == 31 && a.at(y, x, 1) == 119 && a.at(y, x, 2) == 180;
    }
  EXPECT_GT(coloured, 5000);
  EXPECT_GT(blue, 50);
  // Different data, different plot.
  std::vector<SweepPoint> other = make_sweep();
  other[1].summary.auditors[0].rank1_private = 0.1;
  EXPECT_NE(plot_sweep(other, "faceres").pixels(), a.pixels());
  EXPECT_THROW(plot_sweep(make_sweep(), "mobileface"), InvalidArgument);
  EXPECT_THROW(plot_sweep({}, "faceres"), InvalidArgument);
}

TEST(VideoReport, StreamsOneDocumentAndLeavesNothingOnAbandon) {
  test::TempDir dir;
  const PipelineInfo info = make_info();
  {
    VideoReportWriter w(dir.file("v.json"), info, {"v.mp4", 160, 120, 25.0, false});
    for (int i = 0; i < 3; ++i) w.add(make_result(), i);
    EXPECT_FALSE(std::filesystem::exists(dir.file("v.json")));  // not before close()
    w.close();
  }
  std::ifstream in(dir.file("v.json"));
  std::stringstream text;
  text << in.rdbuf();
  const Json j = Json::parse(text.str());
  EXPECT_EQ(j["schema"], "ferguard.video/2");
  EXPECT_EQ(j["input"], "v.mp4");
  EXPECT_DOUBLE_EQ(j["video"]["fps"].get<double>(), 25.0);
  ASSERT_EQ(j["frames"].size(), 3u);
  EXPECT_EQ(j["frames"][2]["frame"], 2);
  EXPECT_EQ(j["frames"][2]["faces"][0]["track"], 3);
  EXPECT_EQ(text.str().find("embedding"), std::string::npos);
  {
    VideoReportWriter w(dir.file("empty.json"), info, {"e.mp4", 16, 16, 0.0, false});
    w.close();
  }
  std::ifstream e(dir.file("empty.json"));
  std::stringstream etext;
  etext << e.rdbuf();
  EXPECT_TRUE(Json::parse(etext.str())["frames"].empty());
  {
    VideoReportWriter w(dir.file("abandoned.json"), info, {"a.mp4", 16, 16, 25.0, false});
    w.add(make_result(), 0);
  }
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2);  // v.json and empty.json only: no temporary left
  EXPECT_THROW(VideoReportWriter(dir.file("missing/x.json"), info, {}), IoError);
}

}  // namespace
}  // namespace ferguard
