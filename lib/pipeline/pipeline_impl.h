#pragma once
// Pipeline's internals, shared by Pipeline::analyze and VideoAnalyzer. Private to the library.
#include <memory>
#include <vector>

#include "ferguard/frequency/frequency_splitter.h"
#include "ferguard/model/face_analyzer.h"
#include "ferguard/pipeline/pipeline.h"
#include "pipeline/privatizer.h"

namespace ferguard {

struct Pipeline::Impl {
  PipelineOptions options;
  std::unique_ptr<FaceAnalyzer> analyzer;
  std::vector<std::unique_ptr<Recognizer>> auditors;
  std::unique_ptr<ExpressionModel> expression, second_expression;
  std::vector<std::shared_ptr<const detail::DifferentiableRecognizer>> controllers;  // ferguard method only
  std::shared_ptr<const detail::DifferentiableModel> expression_controller;          // ferguard method only
  std::unique_ptr<detail::Privatizer> privatizer;                                    // ferguard method only
  std::unique_ptr<FrequencySplitter> splitter;                                       // frequency baseline

  explicit Impl(PipelineOptions o);
  /// Privatizes, predicts and audits the given faces of `image`; states[i] (may be null) is face i's track state.
  AnalysisResult process(const Image& image, const std::vector<Face>& faces,
                         const std::vector<detail::PrivatizerState*>& states) const;
};

}  // namespace ferguard
