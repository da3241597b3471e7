// The adversarial method behind FacePrivatizer: the per-band perturbation steered away from controller recognisers
// (adversarial.h), published in additive form, with its checked alternatives for the published-form label check.
#include "detail/check.h"
#include "model/differentiable.h"
#include "privacy/adversarial.h"
#include "privacy/method.h"

namespace ferguard::detail {
namespace {

// Compensator-only steps after the joint ones, by default (chosen over ten seeds on the sample faces).
constexpr int kCompensationSteps = 16;

struct AdversarialState final : MethodTrackState {
  PrivatizerState state;
};

class Adversarial final : public FacePrivatizer {
 public:
  explicit Adversarial(const MethodSettings& s) : settings_(s) {
    FERGUARD_CHECK(!s.controllers.empty(), "the adversarial method needs at least one controller");
    ModelOptions mo = s.models;
    mo.threads = s.threads;
    for (const std::string& c : s.controllers) controllers_.push_back(make_differentiable_recognizer(c, mo));
    expression_ = make_differentiable_expression_model(s.expression_model, mo);
    PrivatizerTuning tuning;
    tuning.budget_low *= s.budget_scale;
    tuning.budget_high *= s.budget_scale;
    privatizer_ = std::make_unique<Privatizer>(controllers_, expression_, s.split, s.threads, tuning);
  }
  PrivacyMethod method() const override { return PrivacyMethod::adversarial; }
  std::vector<FaceBox> canvas_boxes(const std::vector<Point2f>& landmarks) const override {
    std::vector<FaceBox> boxes;
    for (const auto& c : controllers_) boxes.push_back(c->crop(landmarks).box);
    boxes.push_back(expression_->crop(landmarks).box);
    return boxes;
  }
  FaceChange apply(const FaceJob& job, std::unique_ptr<MethodTrackState>* state) const override {
    AdversarialState* track = nullptr;
    if (state) {
      if (!*state) *state = std::make_unique<AdversarialState>();
      track = dynamic_cast<AdversarialState*>(state->get());
    }
    PrivatizeRequest rq;
    rq.canvas = job.x0;
    rq.landmarks = job.landmarks;
    rq.strength_low = job.strengths.low;
    rq.strength_high = job.strengths.high;
    rq.compensate = job.strengths.compensate;
    rq.steps = settings_.steps;
    rq.compensation_steps = settings_.compensation_steps >= 0 ? settings_.compensation_steps : kCompensationSteps;
    rq.seed = job.seed;
    PrivatizeOutcome o = privatizer_->run(rq, track ? &track->state : nullptr);
    FaceChange out;
    out.geometry = job.landmarks;
    auto published = [&](const Tensor4& delta) {
      Tensor4 y = job.x0;
      for (std::size_t k = 0; k < y.vector().size(); ++k) y.vector()[k] += delta.vector()[k];
      return y;
    };
    out.candidates.push_back(published(o.delta));
    for (const Tensor4& d : o.alternatives) out.candidates.push_back(published(d));
    out.check_label = true;
    if (track) {
      auto states = std::make_shared<std::vector<PrivatizerState>>(std::move(o.alternative_states));
      out.published = [track, states](std::size_t i) {
        if (i > 0 && i - 1 < states->size()) track->state = (*states)[i - 1];  // continue from what was published
      };
    }
    return out;
  }

 private:
  MethodSettings settings_;
  std::vector<std::shared_ptr<const DifferentiableRecognizer>> controllers_;
  std::shared_ptr<const DifferentiableModel> expression_;
  std::unique_ptr<Privatizer> privatizer_;
};

}  // namespace

std::unique_ptr<FacePrivatizer> make_adversarial_privatizer(const MethodSettings& settings) {
  return std::make_unique<Adversarial>(settings);
}

}  // namespace ferguard::detail
