#pragma once
// Pipeline's internals, shared by Pipeline::analyze and VideoAnalyzer. Private to the library.
#include <memory>
#include <vector>

#include "ferguard/model/face_analyzer.h"
#include "ferguard/pipeline/pipeline.h"
#include "privacy/method.h"

namespace ferguard {

struct Pipeline::Impl {
  PipelineOptions options;
  std::unique_ptr<FaceAnalyzer> analyzer;
  std::vector<std::unique_ptr<Recognizer>> auditors;
  std::unique_ptr<ExpressionModel> expression, second_expression;
  std::unique_ptr<detail::FacePrivatizer> method;  // the privacy method, created by name
  std::unique_ptr<ProtocolAuditor> protocol_auditor;  // face / photo / context floor at every crop variant

  explicit Impl(PipelineOptions o);
  /// The protocol audit's gallery side of every masked face that has landmarks.
  void audit_masked(const Image& image, AnalysisResult& result) const;
  /// Privatizes, predicts and audits the given faces of `image`; states[i] (may be null) is face i's track state.
  AnalysisResult process(const Image& image, const std::vector<Face>& faces,
                         const std::vector<std::unique_ptr<detail::MethodTrackState>*>& states) const;
};

}  // namespace ferguard
