#pragma once
/// The privacy auditor's core, for any anonymiser's output: originals and what an anonymiser made of them in, the
/// identity leakage under several attackers and the expression utility out, with 95 % bootstrap intervals.
/// `ferguard audit` and Python's `ferguard.audit` are thin layers over this class; docs/audit.md explains the
/// attackers and docs/audit_json.md the report.
#include <memory>
#include <string>
#include <vector>

#include "ferguard/audit/protocols.h"
#include "ferguard/face/face_types.h"
#include "ferguard/model/face_detector.h"
#include "ferguard/model/recognizer.h"
#include "ferguard/types.h"

namespace ferguard {

/// What to audit with.
struct AuditOptions {
  /// Built-in recognisers that audit (recognizer_names()); none of them steered the anonymiser being audited.
  std::vector<std::string> auditors = {"faceapi", "faceres", "mobileface"};
  /// The auditor's own TF.js graph recognisers, audited beside the built-in ones. A spec without a threshold gets
  /// one calibrated on the originals (the distance at a false-accept rate of 1 % over pairs of different faces).
  std::vector<GraphRecognizerSpec> custom_auditors;
  /// Expression models whose top class is compared (expression_model_names()). The first is ferguard's own;
  /// every model is reported with the same weight.
  std::vector<std::string> expression_models = {"faceapi", "emotion"};
  /// Protocols, bootstrap resamples and seed of the intervals.
  ProtocolOptions protocol;
  /// faceres's age and gender heads on original and anonymised faces.
  bool soft_biometrics = true;
  /// The reversal attacker: Wiener deconvolution of the anonymised face before the face protocol, at each of
  /// `reversal_sigmas` (in units of the face's landmark box side), the best for the attacker reported.
  bool reversal = true;
  std::vector<float> reversal_sigmas = {0.02f, 0.05f, 0.1f};
  /// Face detector settings used on the originals and to re-detect the anonymised faces.
  FaceDetectorOptions detector;
  /// Model folders, threads (LibTorch intra-op threads during a call, restored after) and device.
  ModelOptions models;
  /// Keep every embedding in the result (AuditReport::faces); otherwise only what the report needs.
  bool keep_embeddings = false;
  /// Figures resting on fewer faces than this carry a warning.
  int min_faces = 20;

  /// Throws InvalidArgument naming the field: no auditors, an unknown or repeated name, no expression model,
  /// invalid protocol options, a reversal sigma that is not positive and finite, min_faces < 1.
  void validate() const;
};

/// One anonymised image and its original.
struct AuditPair {
  std::string name;       ///< how the report names the pair (a file name)
  Image original;         ///< HWC uint8 RGB
  Image anonymised;       ///< the same size as the original
  /// Identity of the original's faces, for the cross-photo and adaptive attackers: `identity` when the original
  /// has one face (or to its largest face when it has several, with a warning); `face_identities[k]` for face k
  /// (faces in the detector's order, as `ferguard detect` and `ferguard analyze` list them) overrides it. Empty = unknown.
  std::string identity;
  std::vector<std::string> face_identities;
  /// face_extra[k]: face k is an extra photo of its identity (a video frame other than its track's representative
  /// frame). It serves the cross-photo and adaptive attackers and the utility figures, but is neither a probe nor a
  /// gallery entry of the same-photo attacker, whose gallery holds one face per person of a video. Empty = none.
  std::vector<bool> face_extra;
};

/// One face of one pair, as the auditor saw it.
struct AuditedFace {
  std::string image;             ///< AuditPair::name
  int index = 0;                 ///< face index in the pair, in the detector's order
  std::string identity;          ///< empty when unknown
  bool extra = false;            ///< AuditPair::face_extra: not in the same-photo attacker's gallery
  FaceBox box;                   ///< detected on the original
  std::vector<Point2f> landmarks;  ///< 68 landmarks of the original
  /// Embeddings under every protocol and crop variant (the anonymised face read at the original's geometry).
  FaceProtocolAudit protocol;
  /// Reversal attacker: per auditor, per sigma, the face protocol's probe at the own crop (after deconvolution).
  std::vector<std::vector<std::vector<float>>> reversal_probes;
  /// Expression scores per model (AuditOptions::expression_models order), original and anonymised.
  std::vector<ExpressionScores> original_expression, anonymised_expression;
  /// Re-detection on the anonymised image: best IoU with the original box, redetected = IoU >= 0.5, and the mean
  /// distance of the 68 re-detected landmarks from the original's in inter-ocular distances (-1 when not found).
  float redetection_iou = 0.0f;
  bool redetected = false;
  float landmark_error = -1.0f;
  /// Soft biometrics (when on).
  bool has_attributes = false;
  FaceAttributes original_attributes, anonymised_attributes;
};

/// A failed input: the pair's name and why.
struct AuditError {
  std::string input;
  std::string message;
};

/// Result of an audit. `json()` is the whole report (schema ferguard.audit/1, docs/audit_json.md); `csv()` the
/// per-face table (one row per face and auditor).
struct AuditReport {
  std::vector<AuditedFace> faces;
  std::vector<AuditError> errors;
  std::vector<std::string> warnings;
  int images = 0;            ///< pairs audited (failed ones excluded)
  double seconds = 0.0;      ///< time spent in add()
  std::string json_text;     ///< the report, pretty-printed
  std::string csv_text;      ///< faces.csv
};

/// Audits pairs one by one, then summarises. Thread-safe for concurrent add() calls.
class Auditor {
 public:
  /// Loads the detector, the auditors, the expression models and (when on) the attribute model. Throws
  /// InvalidArgument for invalid options and ModelError for missing or corrupt model files.
  explicit Auditor(AuditOptions options = {});
  ~Auditor();
  Auditor(Auditor&&) noexcept;
  Auditor& operator=(Auditor&&) noexcept;

  /// Finds the faces of the original and audits each; returns how many. Throws InvalidArgument naming the pair for
  /// an empty or non-RGB image or an anonymised image of another size; a pair that throws adds nothing.
  int add(const AuditPair& pair);
  /// Records an input that could not be read, so that the report lists it.
  void add_error(const std::string& input, const std::string& message);

  /// Summarises everything added so far (may be called again after more add() calls).
  AuditReport result() const;

  /// The folders the pairs came from, for the report (the command line sets them; empty from the API).
  void set_input_folders(const std::string& originals, const std::string& anonymised);

  const AuditOptions& options() const;
  /// The auditors' names in report order (built-in first, then custom).
  std::vector<std::string> auditor_names() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferguard
