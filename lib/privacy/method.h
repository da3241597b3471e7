#pragma once
// One interface for every privacy method (template, adversarial and the baselines), created by name. The pipeline
// hands a method one face on its working canvas and gets back the change to publish; it knows no method. Private.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/frequency/frequency_splitter.h"
#include "ferguard/labels.h"
#include "ferguard/model/recognizer.h"
#include "ferguard/privacy/privacy_method.h"
#include "ferguard/types.h"
#include "privacy/face_region.h"

namespace ferguard::detail {

/// What any method may keep between the frames of a video track (opaque to the pipeline).
struct MethodTrackState {
  virtual ~MethodTrackState() = default;
};

/// The strengths of one request, each in [0, 1]; 0 = that part unchanged.
struct Strengths {
  float shape = 0.0f;       ///< identity-bearing landmarks towards the template (template method)
  float low = 0.0f;         ///< the low-frequency stream
  float high = 0.0f;        ///< the high-frequency stream
  float compensate = 0.0f;  ///< the feature compensator
  float max() const;
};

/// One face to privatize.
struct FaceJob {
  std::uint64_t photo = 0;             ///< photo_hash(*image) when the method needs it (template), else 0
  Canvas canvas;                       ///< the face's working canvas
  Tensor4 x0;                          ///< the canvas read from the image, 1x3xSxS in [0, 1]
  std::vector<Point2f> landmarks;      ///< 68 landmarks, canvas coordinates
  Expression expression = Expression::neutral;  ///< ferguard's expression model on the original face
  Strengths strengths;
  std::uint64_t seed = 0;
};

/// What a method made of one face.
struct FaceChange {
  /// Empty: the face was privatized. Otherwise why it could not be (the pipeline masks the face: fail closed).
  std::string failure;
  /// Published canvases (1x3xSxS in [0, 1]), best first; at least one unless `failure` is set.
  std::vector<Tensor4> candidates;
  /// SxS alpha: a candidate replaces the image by this weight when pasted. Empty: the candidate is an additive change
  /// (candidate - x0) confined by the method itself (the adversarial perturbation).
  std::vector<float> alpha;
  /// Check the expression in the published form: publish the first candidate whose top class (ferguard's own model,
  /// re-cropped from the pasted image) is the original's, else the first.
  bool check_label = false;
  /// Called with the index of the candidate that was published (a video track continues from it). May be empty.
  std::function<void(std::size_t)> published;
  /// The published landmarks in canvas coordinates (the landmarks when the method keeps the geometry).
  std::vector<Point2f> geometry;
  int template_donors = 0, template_people = 0;  ///< template method: who the template averages
  std::string template_selection;                 ///< ... and how they were chosen (FaceResult::template_selection)
};

/// One privacy method.
class FacePrivatizer {
 public:
  virtual ~FacePrivatizer() = default;
  virtual PrivacyMethod method() const = 0;
  /// Boxes (image pixels) the face's canvas must cover besides the face itself (e.g. the controllers' crops).
  virtual std::vector<FaceBox> canvas_boxes(const std::vector<Point2f>& landmarks) const { return {}; }
  /// Whether FaceJob::photo is needed (computing it reads every pixel once).
  virtual bool needs_photo_hash() const { return false; }
  /// false for a method that publishes faces as they are (`none`): the pipeline then leaves them untouched.
  virtual bool changes_faces() const { return true; }
  /// Privatizes one face. `state` (may be null) is the face's video track state; the method may create it.
  virtual FaceChange apply(const FaceJob& job, std::unique_ptr<MethodTrackState>* state) const = 0;
};

/// What the methods are built from; each method reads its own fields.
struct MethodSettings {
  ModelOptions models;
  SplitOptions split;
  int threads = 1;
  std::string expression_model = "faceapi";  ///< ferguard's own (steers the compensator / the adversarial method)
  std::vector<std::string> controllers;      ///< adversarial: recognisers that steer it
  float budget_scale = 1.0f;                 ///< adversarial: multiplies the enhancers' budgets
  int steps = 6;                             ///< adversarial: joint optimisation steps
  int compensation_steps = -1;               ///< compensator steps; -1 = the method's own default
  std::string template_bank;                 ///< template: the bank file
  bool template_pose = false;                ///< template: donors chosen by head turn too
};

/// Creates a method by enum. Throws InvalidArgument for invalid settings and ModelError for missing models or a
/// corrupt template bank.
std::unique_ptr<FacePrivatizer> make_face_privatizer(PrivacyMethod method, const MethodSettings& settings);

/// Mean absolute change (grey levels, 0..255) of `published` from `x0` where `weight` > 0.5, RGB averaged: the
/// fail-closed floor's measure.
float mean_change(const Tensor4& x0, const Tensor4& published, const std::vector<float>& weight);

}  // namespace ferguard::detail
