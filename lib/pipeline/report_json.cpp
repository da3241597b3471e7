// JSON reports: per-image analysis, video analysis (streamed), run summary and sweep. nlohmann::ordered_json keeps
// keys in the order written; floats go through their shortest decimal form so that files read cleanly ("0.1", not
// "0.10000000149011612") and the same result gives the same bytes.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "audit/distance.h"
#include "detail/atomic_file.h"
#include "detail/check.h"
#include "detail/temp_files.h"
#include "ferguard/pipeline/report.h"
#include "ferguard/version.h"

namespace ferguard {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

double num(float v) {
  if (!std::isfinite(v)) return static_cast<double>(v);  // written as null by nlohmann
  return std::stod(fmt::format("{}", v));
}

Json expression_json(const ExpressionScores& s) {
  Json probs = Json::object();
  for (int k = 0; k < kNumExpressions; ++k) probs[expression_names()[k]] = num(s.probs[k]);
  return Json{{"label", expression_names()[static_cast<int>(s.label())]}, {"probabilities", std::move(probs)}};
}

Json embedding_json(const std::vector<float>& v) {
  Json a = Json::array();
  for (float x : v) a.push_back(num(x));
  return a;
}

Json face_json(const FaceResult& f, bool embeddings) {
  Json j;
  j["box"] = {{"x", num(f.face.box.x)}, {"y", num(f.face.box.y)}, {"width", num(f.face.box.width)},
              {"height", num(f.face.box.height)}};
  j["score"] = num(f.face.score);
  Json points = Json::array();
  for (const Point2f& p : f.face.landmarks) points.push_back({num(p.x), num(p.y)});
  j["landmarks"] = std::move(points);
  j["track"] = f.track;
  j["status"] = to_string(f.status);
  j["reason"] = f.reason;
  Json published = Json::array();
  for (const Point2f& p : f.published_landmarks) published.push_back({num(p.x), num(p.y)});
  j["published_landmarks"] = std::move(published);
  j["change"] = num(f.change);
  j["template"] = {
      {"donors", f.template_donors}, {"people", f.template_people}, {"selection", f.template_selection}};
  // A masked face is never published, so nothing was predicted on it: null rather than made-up probabilities.
  const bool rated = f.status == FaceStatus::privatized;
  j["expression"] = rated ? expression_json(f.expression) : Json(nullptr);
  j["original_expression"] = rated ? expression_json(f.original_expression) : Json(nullptr);
  j["second_expression"] = rated && f.has_second ? expression_json(f.second_expression) : Json(nullptr);
  j["second_original_expression"] =
      rated && f.has_second ? expression_json(f.second_original_expression) : Json(nullptr);
  Json audits = Json::array();
  for (const AuditResult& a : f.audits) {
    Json x;
    x["auditor"] = a.auditor;
    x["distance_kind"] = detail::distance_kind_name(a.distance_kind);
    x["distance"] = num(a.distance);
    x["threshold"] = num(a.threshold);
    x["match"] = a.match;
    x["leakage"] = num(a.leakage);
    if (embeddings) {
      x["original_embedding"] = embedding_json(a.original_embedding);
      x["private_embedding"] = embedding_json(a.private_embedding);
    }
    audits.push_back(std::move(x));
  }
  j["audits"] = std::move(audits);
  j["leakage"] = num(f.leakage);
  const Naturalness& n = f.naturalness;
  j["naturalness"] = rated && f.audited
                         ? Json{{"redetected", n.redetected},
                                {"iou", num(n.iou)},
                                {"expression_landmark_error", num(n.landmark_error)},
                                {"colourfulness", num(n.colourfulness)},
                                {"original_colourfulness", num(n.original_colourfulness)},
                                {"ok", n.ok()}}
                         : Json(nullptr);
  j["seconds"] = f.seconds;
  j["audit_seconds"] = f.audit_seconds;
  return j;
}

Json faces_json(const AnalysisResult& r, bool embeddings) {
  Json faces = Json::array();
  for (const FaceResult& f : r.faces) faces.push_back(face_json(f, embeddings));
  return faces;
}

// What ran: shared by every report.
void put_info(Json& j, const PipelineInfo& info) {
  j["method"] = info.method;
  j["controllers"] = info.controllers;
  j["auditors"] = info.auditors;
  j["expression_model"] = info.expression_model;
  j["second_expression_model"] = info.second_expression_model;
}

Json header(const char* schema) {
  Json j;
  j["schema"] = schema;
  j["ferguard_version"] = version();
  j["ferguard_commit"] = git_commit();
  return j;
}

Json summary_body(const RunSummary& s) {
  Json j;
  j["faces"] = s.faces;
  j["masked"] = s.masked;
  j["privatized"] = s.faces - s.masked;
  j["agreement"] = s.agreement;
  j["second_agreement"] = s.second_agreement < 0 ? Json(nullptr) : Json(s.second_agreement);
  j["mean_kl"] = s.mean_kl;
  j["seconds_per_face"] = s.seconds_per_face;
  j["audit_seconds_per_face"] = s.audit_seconds_per_face;
  j["masked_share"] = s.masked_share;
  j["agreement_counting_masked"] = s.agreement_all;
  j["second_agreement_counting_masked"] = s.second_agreement_all < 0 ? Json(nullptr) : Json(s.second_agreement_all);
  auto share = [](double v) { return v < 0 ? Json(nullptr) : Json(v); };
  j["naturalness"] = {{"redetected", share(s.redetected)},
                      {"expression_landmarks_ok", share(s.landmarks_ok)},
                      {"colourfulness_ok", share(s.colour_ok)},
                      {"all", share(s.natural)}};
  Json auditors = Json::array();
  for (const AuditorSummary& a : s.auditors) {
    auditors.push_back({{"auditor", a.auditor},
                        {"faces", a.faces},
                        {"chance", a.chance},
                        {"rank1_original", a.rank1_original},
                        {"rank1_private", a.rank1_private},
                        {"verification_rate", a.verification_rate},
                        {"leakage_ratio", a.leakage_ratio},
                        {"mean_distance", a.mean_distance},
                        {"threshold", a.threshold}});
  }
  j["auditor_summaries"] = std::move(auditors);
  auto interval = [](const RateInterval& r) { return Json{{"value", r.value}, {"lo", r.lo}, {"hi", r.hi}}; };
  j["agreement_interval"] = interval(s.agreement_interval);
  j["second_agreement_interval"] = s.second_agreement < 0 ? Json(nullptr) : interval(s.second_agreement_interval);
  j["models_agree_on_originals"] = s.models_agree < 0 ? Json(nullptr) : interval(s.models_agree_interval);
  Json protocols = Json::array();
  for (const ProtocolAuditorSummary& p : s.protocols.results) {
    Json variants = Json::array();
    for (const VariantRates& v : p.variants)
      variants.push_back({{"variant", v.variant}, {"rank1", interval(v.rank1)}, {"rank5", v.rank5}});
    protocols.push_back({{"auditor", p.auditor},
                         {"protocol", to_string(p.protocol)},
                         {"faces", p.faces},
                         {"gallery", p.gallery},
                         {"chance", p.chance},
                         {"worst_variant", p.worst_variant},
                         {"worst_rank1", interval(p.worst_rank1)},
                         {"verification_rate", p.verification_rate},
                         {"threshold", p.threshold},
                         {"variants", std::move(variants)}});
  }
  j["protocols"] = std::move(protocols);
  j["target"] = {{"max_rank1", kTargetMaxRank1},
                 {"rank1_protocol", s.protocols.results.empty() ? "photo (own crop)" : "face (worst crop variant)"},
                 {"min_agreement", kTargetMinAgreement},
                 {"min_second_agreement", kTargetMinSecondAgreement},
                 {"max_masked_share", kTargetMaxMasked},
                 {"met", meets_target(s)}};
  return j;
}

}  // namespace

bool meets_target(const RunSummary& s) {
  if (s.faces - s.masked <= 0) return false;
  if (s.protocols.results.empty()) {
    for (const AuditorSummary& a : s.auditors)
      if (a.rank1_private > kTargetMaxRank1) return false;
  } else {
    for (const ProtocolAuditorSummary& p : s.protocols.results)
      if (p.protocol == AuditProtocol::face && p.worst_rank1.value > kTargetMaxRank1) return false;
  }
  if (s.second_agreement >= 0 && s.second_agreement < kTargetMinSecondAgreement) return false;
  return s.agreement >= kTargetMinAgreement && s.masked_share <= kTargetMaxMasked;
}

std::string analysis_json(const AnalysisResult& result, const PipelineInfo& info, const ReportOptions& options) {
  Json j = header(kAnalysisSchema);
  j["input"] = options.input;
  if (options.frame >= 0) j["frame"] = options.frame;
  j["image"] = {{"width", result.private_image.width()}, {"height", result.private_image.height()}};
  put_info(j, info);
  j["expression_labels"] = expression_names();
  j["faces"] = faces_json(result, options.embeddings);
  j["seconds"] = result.seconds;
  return j.dump(2) + "\n";
}

std::string summary_json(const RunSummary& summary, const PipelineInfo& info) {
  Json j = header(kSummarySchema);
  put_info(j, info);
  j.update(summary_body(summary));
  return j.dump(2) + "\n";
}

std::string sweep_json(const std::vector<SweepPoint>& points, const PipelineInfo& info) {
  Json j = header(kSweepSchema);
  put_info(j, info);
  j.erase("method");  // each point names its own
  Json list = Json::array();
  for (const SweepPoint& p : points) {
    Json x;
    x["method"] = p.method;
    x["strength"] = num(p.strength);
    x.update(summary_body(p.summary));
    list.push_back(std::move(x));
  }
  j["points"] = std::move(list);
  return j.dump(2) + "\n";
}

struct VideoReportWriter::Impl {
  std::string path;
  std::unique_ptr<detail::TempFile> tmp;
  std::FILE* file = nullptr;
  bool embeddings = false;
  int frames = 0;

  void write(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), file) != text.size())
      throw IoError(fmt::format("output '{}': write failed ({})", path, std::strerror(errno)));
  }
  void discard() {
    if (file) std::fclose(file);
    file = nullptr;
    tmp.reset();
  }
};

VideoReportWriter::VideoReportWriter(const std::string& path, const PipelineInfo& info, Header h)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->embeddings = h.embeddings;
  impl_->tmp = std::make_unique<detail::TempFile>(path, "tmp");
  const int fd = impl_->tmp->release_fd();
  impl_->file = ::fdopen(fd, "wb");
  if (!impl_->file) {
    ::close(fd);
    impl_->discard();
    throw IoError(fmt::format("output '{}': cannot open a temporary file", path));
  }
  Json j = header(kVideoAnalysisSchema);
  j["input"] = h.input;
  j["video"] = {{"width", h.width}, {"height", h.height}, {"fps", h.fps}};
  put_info(j, info);
  j["expression_labels"] = expression_names();
  std::string head = j.dump(2);
  head.pop_back();  // the closing brace: the frames array follows
  while (!head.empty() && head.back() == '\n') head.pop_back();
  impl_->write(head + ",\n  \"frames\": [");
}

VideoReportWriter::~VideoReportWriter() {
  if (impl_) impl_->discard();
}

void VideoReportWriter::add(const AnalysisResult& frame, int index) {
  FERGUARD_CHECK(impl_->file != nullptr, "VideoReportWriter '{}': add() after close()", impl_->path);
  Json j;
  j["frame"] = index;
  j["faces"] = faces_json(frame, impl_->embeddings);
  j["seconds"] = frame.seconds;
  impl_->write((impl_->frames++ == 0 ? "\n    " : ",\n    ") + j.dump());
}

void VideoReportWriter::close(const std::string& warning) {
  FERGUARD_CHECK(impl_->file != nullptr, "VideoReportWriter '{}': close() called twice", impl_->path);
  const Json note = warning.empty() ? Json() : Json(warning);
  impl_->write(fmt::format("{}\n  \"frames_read\": {},\n  \"warning\": {}\n}}\n", impl_->frames == 0 ? "]," : "\n  ],",
                           impl_->frames, note.dump()));
  std::FILE* f = impl_->file;
  impl_->file = nullptr;
  const bool flushed = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!flushed || !closed) {
    impl_->discard();
    throw IoError(fmt::format("output '{}': cannot finish writing", impl_->path));
  }
  impl_->tmp->publish();
  impl_->tmp.reset();
}

}  // namespace ferguard
