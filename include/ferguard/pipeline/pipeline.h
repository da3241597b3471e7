#pragma once
/// ferguard's main job on real photos and video: detect and align faces, split each face with FFTW into a low and a
/// high band, replace each band under an explicit strength (by default with a k-anonymous template rendered on the
/// face's own expression geometry), compensate the expression (steered by ferguard's expression model only),
/// predict the expression on the privatized face and report, beside every prediction, how much identity
/// independent auditors still find.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ferguard/audit/leakage.h"
#include "ferguard/audit/naturalness.h"
#include "ferguard/audit/protocols.h"
#include "ferguard/face/face_types.h"
#include "ferguard/model/face_detector.h"
#include "ferguard/model/recognizer.h"
#include "ferguard/privacy/privacy_method.h"
#include "ferguard/types.h"

namespace ferguard {

/// Everything that decides the output; the same options give the same bytes.
struct PipelineOptions {
  PrivacyMethod method = PrivacyMethod::face_template;
  /// Template method: how far the identity-bearing landmarks (jaw, nose, eye spacing) move to the template's shape,
  /// in [0, 1]; 0 = the face's own shape. The expression's deformation (brows, eyelids, mouth) is always kept.
  float strength_shape = 1.0f;
  /// Strength of the change to the low band (mostly identity: shape, skin tone), in [0, 1]; 0 = unchanged.
  float strength_low = 1.0f;
  /// Strength of the change to the high band (edges), in [0, 1]; 0 = unchanged (all 0: the face is unchanged).
  float strength_high = 1.0f;
  /// Strength of the feature compensator (restores the expression in the high band of brows, eyes and mouth), in
  /// [0, 1]; 0 = off.
  float compensate = 1.0f;
  /// Multiplies both enhancers' budgets at every strength (RMS change per face pixel at strength 1: 0.12 low band,
  /// 0.04 high band). Above 1 the change is larger: it transfers further to recognisers the privatizer never saw, at
  /// the cost of the picture and of the independent expression model's agreement (docs/adversarial_method.md). In (0, 10].
  float budget_scale = 1.0f;
  /// Adversarial method: recognisers that steer it (never auditors). Other methods steer nothing.
  std::vector<std::string> controllers = {"faceapi", "mobileface"};
  /// Template method: recognisers that refine the rendered face, an optional step on top of the template (the
  /// adversarial enhancers, pushed away from the original's identity under these recognisers, at `steps` steps).
  /// Empty (the default): no recogniser steers the template method. Like any controller, none may also audit.
  std::vector<std::string> template_controllers;
  /// Template method: donors chosen by head turn too (TemplateBank::select with the face's yaw_proxy): the nearer
  /// half of the expression class's donors, at least k people. Off by default: a template turned like the face is
  /// re-identified more often (docs/template_method.md).
  bool template_pose = false;
  /// Recognisers that measure leakage; none may also be a controller (InvalidArgument). Empty = every recogniser
  /// the method does not steer with (all three for the template method and the baselines).
  std::vector<std::string> auditors;
  /// Template method: the template bank file ("" = resolve_template_bank()).
  std::string template_bank;
  /// ferguard's expression model: makes the prediction and steers the compensator.
  std::string expression_model = "faceapi";
  /// Independent expression model reported beside it ("" = none).
  std::string second_expression_model = "emotion";
  /// Adversarial method: optimisation steps per face, enhancers and compensator together...
  int steps = 6;
  /// ...then compensator-only steps. The template method's compensator takes at most this many steps, and stops as
  /// soon as ferguard's expression model finds the original's top class with a margin (most faces take none).
  /// -1 = the method's own default: 16 for the adversarial method, 4 for the template method.
  int compensation_steps = -1;
  /// Side of the aligned working canvas, pixels.
  int canvas = 160;
  /// Low/high split: gaussian cut-off as a fraction of the Nyquist radius.
  double cutoff = 0.1;
  /// Run the audit (independent expression model, auditors, naturalness checks) after privatizing. Off: only what
  /// an app publishes is computed (privatized image, prediction); FaceResult::audit_seconds stays 0.
  bool audit = true;
  /// Faces whose landmark box is smaller than this (pixels) are masked, not privatized (fail closed).
  int min_face = 24;
  std::uint64_t seed = 0;
  /// Threads per call (0 = one per core). The detector's convolutions run on all of them; the faces of an image are
  /// privatized in parallel, one face per thread, and every per-face net runs on one thread (small nets lose more to
  /// the threads' synchronisation than they gain; docs/speed.md).
  int threads = 1;
  ModelOptions models;
  FaceDetectorOptions detector;

  /// "default" (6 steps, the method's compensation steps, canvas 160) or "fast" (1 + 2 steps, canvas 112): sets steps,
  /// compensation_steps and
  /// canvas, nothing else. Throws InvalidArgument for another name.
  void apply_preset(const std::string& preset);
  /// Throws InvalidArgument naming the field when a value is out of range, or when an auditor is also a controller.
  void validate() const;
  /// The controllers that steer this method: `controllers` for the adversarial method, `template_controllers` for
  /// the template method, none for the baselines.
  std::vector<std::string> active_controllers() const;
  /// The auditors that run: `auditors`, or when empty every recogniser that is not an active controller.
  std::vector<std::string> active_auditors() const;
};

/// Whether a face was published privatized or masked.
enum class FaceStatus {
  privatized,  ///< the privatized face is in the output
  masked,      ///< ferguard could not privatize it properly (too small, landmarks failed, too little change, no
               ///< template of k people): filled with grey, never published
};
std::string to_string(FaceStatus status);

/// One face of an image.
struct FaceResult {
  Face face;                              ///< detection box and 68 landmarks, original image pixels
  int track = -1;                         ///< track id in a video (VideoAnalyzer), -1 for single images
  FaceStatus status = FaceStatus::privatized;
  std::string reason;                     ///< why it was masked ("" when privatized)
  /// The landmarks of the published face (image pixels): the original's, moved where the method moved the face's
  /// geometry (the template method's identity points). Empty for a masked face.
  std::vector<Point2f> published_landmarks;
  float change = 0.0f;                    ///< mean absolute change inside the face, grey levels (0..255)
  int template_donors = 0;                ///< template method: donor faces averaged into this face's template ...
  int template_people = 0;                ///< ... and the distinct people among them (>= the bank's k)
  /// ... and which donors: "expression" (the face's expression class), "all" (every donor of other photos: the
  /// class had fewer than k people), either with "+pose" (the nearer half by head turn); "" for other methods.
  std::string template_selection;
  ExpressionScores expression;            ///< ferguard's expression model on the privatized face: the prediction
  ExpressionScores original_expression;   ///< the same model on the original face
  bool has_second = false;                ///< the independent expression model ran
  ExpressionScores second_expression, second_original_expression;
  std::vector<AuditResult> audits;        ///< one per auditor
  float leakage = 0.0f;                   ///< the face's leakage: the largest AuditResult::leakage (worst auditor)
  bool audited = false;                   ///< the audit ran on this face (PipelineOptions::audit, published faces)
  Naturalness naturalness;                ///< re-detection, expression landmarks, colourfulness (audit)
  /// The protocol audit's embeddings of this face (audit; a masked face with landmarks carries its gallery side).
  FaceProtocolAudit protocol;
  double seconds = 0.0;                   ///< time spent privatizing this face and predicting its expression
  double audit_seconds = 0.0;             ///< time spent auditing it (its share of the image's audit)

  /// The summary's view of this face.
  FaceRecord record() const;
};

/// One image (or video frame).
struct AnalysisResult {
  Image private_image;              ///< same size as the input; every face privatized or masked in place
  std::vector<FaceResult> faces;    ///< in detection order
  double seconds = 0.0;             ///< whole call, detection included
};

/// Names of what ran, for reports.
struct PipelineInfo {
  std::string method;
  std::vector<std::string> controllers, auditors;
  std::string expression_model, second_expression_model;
};

/// Loads the detector, landmarks, controllers, auditors and expression models once, in the constructor.
/// Thread safety: one Pipeline may be shared; analyze(), options() and info() may run concurrently from any number of
/// threads and give the same bytes as the same calls made one after another (docs/thread_safety.md). Moving,
/// assigning or destroying it while a call runs is not allowed.
class Pipeline {
 public:
  /// Throws InvalidArgument for invalid options (an auditor that is also a controller included) and ModelError when
  /// a model's files are missing (run make test or scripts/fetch_models.sh).
  explicit Pipeline(PipelineOptions options = {});
  ~Pipeline();
  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;

  /// Detects, privatizes, predicts and audits every face of an HxWx3 RGB image. No face gives an empty result with
  /// the image unchanged. Throws InvalidArgument for an empty or non-RGB image.
  AnalysisResult analyze(const Image& image) const;

  const PipelineOptions& options() const;
  PipelineInfo info() const;

 private:
  friend class VideoAnalyzer;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// How a VideoAnalyzer finds and follows faces.
struct VideoOptions {
  /// A detected face continues a track when its box overlaps the track's box by more than this, in (0, 1).
  float iou = 0.3f;
  /// The face detector runs on every Nth frame (1 = every frame), and on any frame where no face is tracked or a
  /// track is lost. In between, each face's box follows its landmarks by optical flow and face-api's landmark net
  /// places the 68 landmarks in it: a fraction of a detection's cost. A face that enters the picture while others
  /// are tracked is found at the next detection, up to N-1 frames later (docs/limits.md); set 1 where that matters.
  /// A tracked face the detector misses once is followed on (one missed detection), so a detector's flicker does not
  /// publish it. In [1, 1000].
  int detect_every = 5;

  /// Throws InvalidArgument naming the field when a value is out of range.
  void validate() const;
};

/// Frames of one video: faces are detected every VideoOptions::detect_every frames and followed in between, and
/// matched to tracks by box IoU, so each track keeps its method's state (the template method keeps one template
/// per track; the adversarial method starts from the track's previous change). Memory stays flat: only the last
/// frame's tracks (and its grey image, for the optical flow) are kept.
/// Thread safety: not shareable; next() changes the tracks, so one thread at a time. Several VideoAnalyzers (one per
/// video) may share one Pipeline and run on different threads at once.
class VideoAnalyzer {
 public:
  /// `pipeline` must outlive this object. Throws InvalidArgument for invalid options.
  explicit VideoAnalyzer(const Pipeline& pipeline, VideoOptions options = {});
  /// The same with VideoOptions::iou = `iou`.
  VideoAnalyzer(const Pipeline& pipeline, float iou);
  ~VideoAnalyzer();
  /// The next frame; FaceResult::track is set.
  AnalysisResult next(const Image& frame);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferguard
