#pragma once
/// Reports of the main job: the per-image analysis as versioned JSON (docs/analysis_json.md), the run summary as
/// JSON and as a plain-text table, annotated images, and the privacy/utility sweep as JSON and as a plot.
/// Every writer is deterministic: the same result gives the same bytes.
#include <memory>
#include <string>
#include <vector>

#include "ferguard/audit/leakage.h"
#include "ferguard/pipeline/pipeline.h"
#include "ferguard/types.h"

namespace ferguard {

/// Schema names written into the "schema" field; the number after the slash changes only when a field is removed,
/// renamed or changes meaning (new fields may be added within a version).
inline constexpr const char* kAnalysisSchema = "ferguard.analysis/2";
inline constexpr const char* kVideoAnalysisSchema = "ferguard.video/2";
inline constexpr const char* kSummarySchema = "ferguard.summary/2";
inline constexpr const char* kSweepSchema = "ferguard.sweep/2";

/// The product's target: rank-1 re-identification at most this for every auditor (the `face` protocol at its worst
/// crop variant when the protocol audit ran, else the plain same-photo audit) ...
inline constexpr double kTargetMaxRank1 = 0.15;
/// ... while ferguard's expression model agrees with itself on the original face at least this often ...
inline constexpr double kTargetMinAgreement = 0.85;
/// ... the independent expression model at least this often (when it ran) ...
inline constexpr double kTargetMinSecondAgreement = 0.65;
/// ... and at most this share of the faces is masked.
inline constexpr double kTargetMaxMasked = 0.05;

/// What goes into an analysis report beside the result.
struct ReportOptions {
  std::string input;        ///< the input's file name, written as is ("" = unknown)
  bool embeddings = false;  ///< write each auditor's identity embeddings (off: they identify the person)
  int frame = -1;           ///< frame index in a video, written only when >= 0
};

/// The analysis of one image as pretty-printed JSON (schema kAnalysisSchema, docs/analysis_json.md): what ran, the
/// image size, and per face its box, landmarks, status, expressions, audits, leakage and time. Deterministic key
/// order and number formatting. Embeddings only with options.embeddings.
std::string analysis_json(const AnalysisResult& result, const PipelineInfo& info, const ReportOptions& options = {});

/// Whether the run meets the target: at least one privatized face; for every auditor rank-1 <= kTargetMaxRank1 (the
/// face protocol's worst variant when the protocol audit ran, else rank1_private); agreement >= kTargetMinAgreement;
/// the independent model's agreement >= kTargetMinSecondAgreement when it ran; masked share <= kTargetMaxMasked.
bool meets_target(const RunSummary& summary);

/// The run summary as pretty-printed JSON (schema kSummarySchema).
std::string summary_json(const RunSummary& summary, const PipelineInfo& info);

/// The run summary as a plain-text table for terminals: one row per auditor (faces, chance, rank-1 on originals and
/// on privatized faces, verification rate, leakage ratio, mean distance / threshold), expression agreement under
/// both models, mean KL, seconds per face, masked faces, and whether the target is met.
std::string format_summary(const RunSummary& summary, const PipelineInfo& info);

/// A copy of the privatized image (HxWx3 RGB) with each face's box, predicted expression and probability, leakage
/// and per-auditor match drawn on it; masked faces are marked "masked: <reason>". Text scales with the image size.
/// Throws InvalidArgument unless the image is non-empty RGB.
Image annotate(const Image& private_image, const AnalysisResult& result);

/// One image of a contact sheet: the original and its analysis (whose private_image is the published image).
struct ContactSheetEntry {
  const Image* original = nullptr;
  const AnalysisResult* result = nullptr;
};
/// Original | published, one row per face (a square 1.5x the face box from each), `tile` pixels each, in columns
/// of eight rows; masked faces are labelled. Throws InvalidArgument when there is no face or an entry is malformed.
Image contact_sheet(const std::vector<ContactSheetEntry>& entries, int tile = 160);

/// One point of a privacy/utility sweep: a method at one strength and the summary of its run.
struct SweepPoint {
  std::string method;
  float strength = 0.0f;
  RunSummary summary;
};

/// The sweep as pretty-printed JSON (schema kSweepSchema): one entry per point, in order.
std::string sweep_json(const std::vector<SweepPoint>& points, const PipelineInfo& info);

/// An 800x600 RGB plot: x = expression agreement (ferguard's model, or the independent one when `independent`), y =
/// rank-1 re-identification under `auditor` (the face protocol at its worst crop when the protocol audit ran);
/// one polyline with markers per method (points in the given order), a legend, axes with ticks, and the target
/// region shaded. Points without that auditor are skipped. Throws InvalidArgument when no point has the auditor.
Image plot_sweep(const std::vector<SweepPoint>& points, const std::string& auditor, bool independent = false);

/// Streams the analyses of a video's frames into one JSON document (schema kVideoAnalysisSchema): a header, then a
/// "frames" array with one compact line per frame, so memory stays flat. The file is written under a temporary
/// name beside `path` and appears only on close(); destroying the writer without close() removes the temporary.
/// Thread safety: not shareable; one thread at a time.
class VideoReportWriter {
 public:
  /// What the header says about the video.
  struct Header {
    std::string input;
    int width = 0, height = 0;
    double fps = 0.0;
    bool embeddings = false;  ///< as ReportOptions::embeddings, for every frame
  };
  /// Throws IoError naming `path` when its folder is missing or not writable.
  VideoReportWriter(const std::string& path, const PipelineInfo& info, Header header);
  ~VideoReportWriter();
  VideoReportWriter(const VideoReportWriter&) = delete;
  VideoReportWriter& operator=(const VideoReportWriter&) = delete;

  /// Appends one frame (its faces, with track ids, and its time). Throws IoError when writing fails.
  void add(const AnalysisResult& frame, int index);
  /// Finishes the document with "frames_read" (the frames added) and "warning" (`warning`, or null: say here why a
  /// video ended early) and renames it to `path`. Throws IoError when that fails.
  void close(const std::string& warning = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferguard
