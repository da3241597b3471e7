// The `template` method behind FacePrivatizer: a k-anonymous template (k-Same-Select) rendered on the face's own
// expression geometry (template_render.h), then the feature compensator (compensator.h).
#include <algorithm>
#include <deque>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "detail/check.h"
#include "ferguard/model/recognizer.h"
#include "ferguard/privacy/template_bank.h"
#include "model/differentiable.h"
#include "privacy/adversarial.h"
#include "privacy/compensator.h"
#include "privacy/method.h"
#include "privacy/template_render.h"

namespace ferguard::detail {
namespace {

// A face whose landmarks fold more of the mesh than this (area fraction) is masked: the warp would tear it. Turned
// heads among the 22 sample faces fold up to 1.5 % (thin triangles along the jaw, the nose and the lips).
constexpr double kMaxFolded = 0.05;

// The compensator's default: most faces need none; the few whose label flips get up to this many steps.
constexpr int kCompensationSteps = 4;

// The optional refinement's budgets, as a fraction of the adversarial method's (times PipelineOptions::budget_scale).
// At the adversarial method's own budgets the faces became saturated colour patterns (the independent expression
// model agreed on 54.5 % with mobileface as the controller); at a quarter they stay faces, with coloured speckles
// over the eyes and mouth (docs/template_method.md).
constexpr float kRefineBudget = 0.25f;

// A track's neutral shape is the median of its last this many aligned landmark sets (memory stays flat).
constexpr std::size_t kNeutralFrames = 90;

// A video track keeps its template (the same k people for every frame of one face) and starts the compensator
// from its previous frame's change, so that a frame whose top class holds takes no gradient step.
struct TemplateTrack final : MethodTrackState {
  std::optional<FaceTemplate> tpl;
  std::deque<std::vector<Point2f>> aligned;  // the last kNeutralFrames frames' landmarks in the reference frame
  Tensor4 compensation;     // the last frame's Compensation::state, at that frame's canvas size
  PrivatizerState refined;  // the optional controllers' refinement (continued when the canvas size holds)
};

// Per-coordinate median of the aligned landmark sets: the track's neutral shape.
std::vector<Point2f> median_shape(const std::deque<std::vector<Point2f>>& sets) {
  std::vector<Point2f> out(sets.front().size());
  std::vector<float> xs(sets.size()), ys(sets.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (std::size_t k = 0; k < sets.size(); ++k) xs[k] = sets[k][i].x, ys[k] = sets[k][i].y;
    const auto mid = xs.size() / 2;
    std::nth_element(xs.begin(), xs.begin() + mid, xs.end());
    std::nth_element(ys.begin(), ys.begin() + mid, ys.end());
    out[i] = {xs[mid], ys[mid]};
  }
  return out;
}

// `t` (1xCxSxS) resampled to side x side, bilinear.
Tensor4 resized(const Tensor4& t, int side) {
  const Shape4& s = t.shape();
  if (s.h == side && s.w == side) return t;
  Tensor4 out(Shape4{s.n, s.c, side, side});
  for (int c = 0; c < s.c; ++c) {
    const cv::Mat src(s.h, s.w, CV_32F, const_cast<float*>(t.vector().data()) + std::size_t(c) * s.plane());
    cv::Mat dst(side, side, CV_32F, out.vector().data() + std::size_t(c) * std::size_t(side) * side);
    cv::resize(src, dst, dst.size(), 0, 0, cv::INTER_LINEAR);
  }
  return out;
}

TemplateBank load_bank(const std::string& option) {
  const std::string path = resolve_template_bank(option);
  std::error_code ec;
  FERGUARD_CHECK_AS(!path.empty() && std::filesystem::is_regular_file(path, ec), ModelError,
                    "template bank '{}' not found (the option, FERGUARD_TEMPLATES or the build default; make builds "
                    "one from the sample photos, `ferguard templates DIR --out FILE` from your own donors)",
                    path);
  return TemplateBank::load(path);
}

class TemplateMethod final : public FacePrivatizer {
 public:
  explicit TemplateMethod(const MethodSettings& s)
      : compensation_steps_(s.compensation_steps >= 0 ? s.compensation_steps : kCompensationSteps),
        by_pose_(s.template_pose),
        bank_(load_bank(s.template_bank)),
        renderer_(bank_.reference_shape(), bank_.side(), s.split) {
    ModelOptions mo = s.models;
    mo.threads = s.threads;
    std::shared_ptr<const DifferentiableModel> expression;
    if (compensation_steps_ > 0 || !s.controllers.empty())
      expression = make_differentiable_expression_model(s.expression_model, mo);
    if (compensation_steps_ > 0) compensator_ = std::make_unique<Compensator>(expression, s.split, s.threads);
    if (!s.controllers.empty()) {
      // The optional refinement: the adversarial enhancers on top of the rendered face, pushed away from the
      // original's identity under the controllers (off by default: the template removes identity by itself).
      for (const std::string& c : s.controllers) controllers_.push_back(make_differentiable_recognizer(c, mo));
      PrivatizerTuning tuning;
      tuning.budget_low *= kRefineBudget * s.budget_scale;
      tuning.budget_high *= kRefineBudget * s.budget_scale;
      tuning.budget_compensation *= kRefineBudget * s.budget_scale;
      refiner_ = std::make_unique<Privatizer>(controllers_, expression, s.split, s.threads, tuning);
      refine_steps_ = s.steps;
    }
  }
  PrivacyMethod method() const override { return PrivacyMethod::face_template; }
  bool needs_photo_hash() const override { return true; }
  std::vector<FaceBox> canvas_boxes(const std::vector<Point2f>& landmarks) const override {
    // The forehead and the feathered edge of both outlines.
    const PixelRect r = landmark_square_crop(landmarks, 1.8f);
    std::vector<FaceBox> boxes{FaceBox{float(r.x), float(r.y), float(r.width), float(r.height)}};
    for (const auto& c : controllers_) boxes.push_back(c->crop(landmarks).box);  // the refinement's crops
    return boxes;
  }
  FaceChange apply(const FaceJob& job, std::unique_ptr<MethodTrackState>* state) const override {
    FaceChange out;
    TemplateTrack* track = nullptr;
    if (state) {
      if (!*state) *state = std::make_unique<TemplateTrack>();
      track = dynamic_cast<TemplateTrack*>(state->get());
    }
    // Fewer than k people for this photo: select throws, and the pipeline masks the face with the reason.
    FaceTemplate tpl = track && track->tpl ? *track->tpl
                                           : bank_.select(job.expression, job.photo,
                                                          by_pose_ ? std::optional(yaw_proxy(job.landmarks))
                                                                   : std::nullopt);
    const Strengths& st = job.strengths;
    // A video track: the expression is the frame minus the track's neutral shape, and the whole identity part of
    // the shape (the neutral) is the template's.
    std::optional<std::vector<Point2f>> neutral;
    if (track) {
      track->aligned.push_back(renderer_.aligned(job.landmarks));
      if (track->aligned.size() > kNeutralFrames) track->aligned.pop_front();
      neutral = median_shape(track->aligned);
    }
    TemplateRender r = renderer_.render(job.x0, job.landmarks, tpl, st, neutral ? &*neutral : nullptr);
    if (r.folded > kMaxFolded) {
      out.failure = fmt::format("the landmarks fold {:.1f}% of the face mesh (at most {:.0f}%): pose too far from "
                                "frontal or landmarks implausible",
                                100 * r.folded, 100 * kMaxFolded);
      return out;
    }
    // Candidates, best first: the refined faces (only with controllers), the rendered face (the most natural), the
    // compensated one when the compensator had something to restore. The pipeline publishes the first whose top
    // class, under ferguard's own model in the published form, is the original's.
    if (refiner_ && refine_steps_ > 0 && std::max(st.low, st.high) > 0.0f) {
      PrivatizeRequest rq;
      rq.canvas = r.published;
      rq.reference = job.x0;
      rq.landmarks = job.landmarks;
      rq.strength_low = st.low;
      rq.strength_high = st.high;
      rq.compensate = st.compensate;
      rq.steps = refine_steps_;
      rq.seed = job.seed;
      const PrivatizeOutcome o = refiner_->run(rq, track ? &track->refined : nullptr);
      auto refined = [&](const Tensor4& delta) {
        Tensor4 y = r.published;
        for (std::size_t k = 0; k < y.vector().size(); ++k)
          y.vector()[k] = std::clamp(y.vector()[k] + delta.vector()[k], 0.0f, 1.0f);
        return y;
      };
      out.candidates.push_back(refined(o.delta));
      for (const Tensor4& d : o.alternatives) out.candidates.push_back(refined(d));
    }
    out.candidates.push_back(r.published);
    if (compensator_ && st.compensate > 0.0f) {
      const Tensor4 start =
          track && !track->compensation.empty() ? resized(track->compensation, job.x0.shape().w) : Tensor4{};
      Compensation c = compensator_->run(job.x0, job.landmarks, r.published, r.geometry, r.blend, st.compensate,
                                         compensation_steps_, &start);
      if (track) track->compensation = std::move(c.state);
      if (c.changed) out.candidates.push_back(std::move(c.canvas));
    }
    out.check_label = true;
    out.alpha = std::move(r.blend);
    out.geometry = std::move(r.geometry);
    out.template_donors = tpl.donors;
    out.template_people = tpl.people;
    out.template_selection = std::string(tpl.by_expression ? "expression" : "all") + (tpl.by_pose ? "+pose" : "");
    if (track && !track->tpl) track->tpl = std::move(tpl);
    return out;
  }

 private:
  int compensation_steps_;
  bool by_pose_;
  TemplateBank bank_;
  TemplateRenderer renderer_;
  std::unique_ptr<Compensator> compensator_;
  std::vector<std::shared_ptr<const DifferentiableRecognizer>> controllers_;  // the refinement's, usually none
  std::unique_ptr<Privatizer> refiner_;  // null unless controllers were given
  int refine_steps_ = 0;
};

}  // namespace

std::unique_ptr<FacePrivatizer> make_template_privatizer(const MethodSettings& settings) {
  return std::make_unique<TemplateMethod>(settings);
}

}  // namespace ferguard::detail
