// Pipeline: options, model loading, and the per-image flow detect -> canvas -> privatize -> paste -> predict -> audit.
#include "ferguard/pipeline/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "detail/check.h"
#include "model/differentiable.h"
#include "pipeline/pipeline_impl.h"
#include "privacy/baselines.h"
#include "privacy/face_region.h"

namespace ferguard {

PrivacyMethod parse_privacy_method(const std::string& name) {
  if (name == "ferguard") return PrivacyMethod::ferguard;
  if (name == "none") return PrivacyMethod::none;
  if (name == "blur") return PrivacyMethod::blur;
  if (name == "pixelate") return PrivacyMethod::pixelate;
  if (name == "frequency") return PrivacyMethod::frequency;
  FERGUARD_CHECK(false, "method '{}': unknown (known: ferguard, none, blur, pixelate, frequency)", name);
  return PrivacyMethod::none;
}

std::string to_string(PrivacyMethod m) {
  switch (m) {
    case PrivacyMethod::ferguard: return "ferguard";
    case PrivacyMethod::none: return "none";
    case PrivacyMethod::blur: return "blur";
    case PrivacyMethod::pixelate: return "pixelate";
    case PrivacyMethod::frequency: return "frequency";
  }
  return "?";
}

std::string to_string(FaceStatus s) { return s == FaceStatus::privatized ? "privatized" : "masked"; }

void PipelineOptions::apply_preset(const std::string& preset) {
  if (preset == "default") {
    steps = PipelineOptions{}.steps;
    compensation_steps = PipelineOptions{}.compensation_steps;
    canvas = PipelineOptions{}.canvas;
  } else if (preset == "fast") {
    steps = 1;
    compensation_steps = 2;
    canvas = 112;
  } else {
    FERGUARD_CHECK(false, "preset '{}': unknown (known: default, fast)", preset);
  }
}

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

void check_names(const std::vector<std::string>& names, const std::vector<std::string>& known, const char* field) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    FERGUARD_CHECK(contains(known, names[i]), "PipelineOptions.{}[{}]: unknown model '{}'", field, i, names[i]);
    for (std::size_t j = 0; j < i; ++j)
      FERGUARD_CHECK(names[j] != names[i], "PipelineOptions.{}: '{}' is listed twice", field, names[i]);
  }
}

}  // namespace

void PipelineOptions::validate() const {
  for (const auto& [value, name] : {std::pair{strength_low, "strength_low"}, std::pair{strength_high, "strength_high"},
                                    std::pair{compensate, "compensate"}})
    FERGUARD_CHECK(value >= 0.0f && value <= 1.0f, "PipelineOptions.{}: expected a value in [0, 1], got {}", name, value);
  check_names(controllers, recognizer_names(), "controllers");
  check_names(auditors, recognizer_names(), "auditors");
  FERGUARD_CHECK(!auditors.empty(), "PipelineOptions.auditors: expected at least one auditor");
  for (const std::string& a : auditors)
    FERGUARD_CHECK(method != PrivacyMethod::ferguard || !contains(controllers, a),
                   "PipelineOptions.auditors: '{}' is also a controller; a recogniser that steers the privatizer "
                   "cannot audit it",
                   a);
  FERGUARD_CHECK(method != PrivacyMethod::ferguard || !controllers.empty(),
                 "PipelineOptions.controllers: the ferguard method needs at least one controller");
  FERGUARD_CHECK(contains(expression_model_names(), expression_model),
                 "PipelineOptions.expression_model: unknown model '{}'", expression_model);
  FERGUARD_CHECK(second_expression_model.empty() || contains(expression_model_names(), second_expression_model),
                 "PipelineOptions.second_expression_model: unknown model '{}'", second_expression_model);
  FERGUARD_CHECK(second_expression_model != expression_model,
                 "PipelineOptions.second_expression_model: '{}' is ferguard's own expression model, not an "
                 "independent one",
                 expression_model);
  FERGUARD_CHECK(budget_scale > 0.0f && budget_scale <= 10.0f, "PipelineOptions.budget_scale: expected (0, 10], got {}",
                 budget_scale);
  FERGUARD_CHECK(steps >= 0 && steps <= 1000, "PipelineOptions.steps: expected 0..1000, got {}", steps);
  FERGUARD_CHECK(compensation_steps >= 0 && compensation_steps <= 1000,
                 "PipelineOptions.compensation_steps: expected 0..1000, got {}", compensation_steps);
  FERGUARD_CHECK(canvas >= 32 && canvas <= 1024, "PipelineOptions.canvas: expected 32..1024, got {}", canvas);
  FERGUARD_CHECK(cutoff > 0.0 && cutoff <= std::sqrt(2.0), "PipelineOptions.cutoff: expected (0, sqrt 2], got {}", cutoff);
  FERGUARD_CHECK(min_face >= 1, "PipelineOptions.min_face: expected >= 1, got {}", min_face);
  FERGUARD_CHECK(threads >= 0, "PipelineOptions.threads: expected >= 0, got {}", threads);
  models.validate();
  detector.validate();
}

FaceRecord FaceResult::record() const {
  FaceRecord r;
  r.privatized = status == FaceStatus::privatized;
  r.audits = audits;
  r.original_expression = original_expression;
  r.private_expression = expression;
  r.has_second = has_second;
  r.second_original = second_original_expression;
  r.second_private = second_expression;
  r.seconds = seconds;
  return r;
}

Pipeline::Impl::Impl(PipelineOptions o) : options(std::move(o)) {
  options.validate();
  ModelOptions mo = options.models;
  mo.threads = options.threads;
  FaceAnalyzerOptions fa;
  fa.models_dir = mo.faceapi_dir;
  fa.detector = options.detector;
  fa.threads = options.threads;
  fa.device = mo.device;
  analyzer = std::make_unique<FaceAnalyzer>(fa);
  for (const std::string& a : options.auditors) auditors.push_back(make_recognizer(a, mo));
  expression = make_expression_model(options.expression_model, mo);
  if (!options.second_expression_model.empty())
    second_expression = make_expression_model(options.second_expression_model, mo);
  SplitOptions split;
  split.cutoff = options.cutoff;
  split.threads = 1;
  split.plan_effort = PlanEffort::estimate;  // plans do not depend on timing, so output bytes do not either
  if (options.method == PrivacyMethod::ferguard) {
    for (const std::string& c : options.controllers)
      controllers.push_back(detail::make_differentiable_recognizer(c, mo));
    expression_controller = detail::make_differentiable_expression_model(options.expression_model, mo);
    detail::PrivatizerTuning tuning;
    tuning.budget_low *= options.budget_scale;
    tuning.budget_high *= options.budget_scale;
    privatizer =
        std::make_unique<detail::Privatizer>(controllers, expression_controller, split, options.threads, tuning);
  }
  if (options.method == PrivacyMethod::frequency) splitter = std::make_unique<FrequencySplitter>(split);
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string fmt_too_small(float side) {
  return "face too small (" + std::to_string(int(side)) + " px)";
}

}  // namespace

AnalysisResult Pipeline::Impl::process(const Image& image, const std::vector<Face>& faces,
                                       const std::vector<detail::PrivatizerState*>& states) const {
  AnalysisResult result;
  result.private_image = image;
  std::vector<Face> done;        // privatized faces, for the batched predictions and audits
  std::vector<std::size_t> slot;  // their index in result.faces
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    FaceResult fr;
    fr.face = faces[i];
    const float side = detail::landmark_box_side(faces[i].landmarks);
    if (side < float(options.min_face)) {
      fr.status = FaceStatus::masked;
      fr.reason = faces[i].landmarks.size() != std::size_t(kNumFaceLandmarks) || side <= 0.0f
                      ? "landmarks failed"
                      : fmt_too_small(side);
      detail::mask_face(result.private_image, faces[i].box);
      fr.seconds = seconds_since(t0);
      result.faces.push_back(std::move(fr));
      continue;
    }
    std::vector<FaceBox> boxes;
    const PixelRect sq = landmark_square_crop(faces[i].landmarks, 1.6f);
    boxes.push_back(FaceBox{float(sq.x), float(sq.y), float(sq.width), float(sq.height)});
    for (const auto& c : controllers) boxes.push_back(c->crop(faces[i].landmarks).box);
    if (expression_controller) boxes.push_back(expression_controller->crop(faces[i].landmarks).box);
    // Never enlarge a small face: the change is made at the face's own resolution when it is below the canvas size,
    // so that nothing of it is lost when it is pasted back.
    const PixelRect square = detail::covering_square(boxes);
    detail::Canvas canvas{square, std::clamp(square.width, 32, options.canvas)};
    const Tensor4 x0 = detail::read_canvas(image, canvas);
    std::vector<Point2f> lm;
    for (const Point2f& p : faces[i].landmarks) lm.push_back(canvas.to_canvas(p));

    Tensor4 delta(x0.shape());
    std::vector<Tensor4> alternatives;
    std::vector<detail::PrivatizerState> alternative_states;
    const float sl = options.strength_low, sh = options.strength_high;
    auto masked_change = [&](const Tensor4& y) {
      const std::vector<float> m = detail::face_mask(lm, canvas.side);
      for (int c = 0; c < 3; ++c)
        for (std::size_t k = 0; k < m.size(); ++k) delta.plane(0, c)[k] = m[k] * (y.plane(0, c)[k] - x0.plane(0, c)[k]);
    };
    switch (options.method) {
      case PrivacyMethod::none: break;
      case PrivacyMethod::blur: masked_change(detail::blur_canvas(x0, sl)); break;
      case PrivacyMethod::pixelate: masked_change(detail::pixelate_canvas(x0, sl)); break;
      case PrivacyMethod::frequency: masked_change(detail::frequency_canvas(x0, sl, sh, *splitter)); break;
      case PrivacyMethod::ferguard: {
        detail::PrivatizeRequest rq;
        rq.canvas = x0;
        rq.landmarks = lm;
        rq.strength_low = sl;
        rq.strength_high = sh;
        rq.compensate = options.compensate;
        rq.steps = options.steps;
        rq.compensation_steps = options.compensation_steps;
        rq.seed = options.seed;
        detail::PrivatizeOutcome outcome = privatizer->run(rq, i < states.size() ? states[i] : nullptr);
        delta = std::move(outcome.delta);
        alternatives = std::move(outcome.alternatives);
        alternative_states = std::move(outcome.alternative_states);
        break;
      }
    }
    if (alternatives.empty()) {
      detail::paste_delta(result.private_image, canvas, delta);
    } else {
      // The expression is checked in the form it is published (pasted back, cropped by ferguard's own expression
      // model): the first checked iterate whose label survives is published, else the best one.
      const std::vector<Face> one{faces[i]};
      const Expression want = expression->predict_faces(image, one).front().label();
      // paste_delta adds to the pixels under the canvas: keep those rows to undo a rejected paste.
      Image& out = result.private_image;
      const int x0 = std::max(0, canvas.rect.x), x1 = std::min(out.width(), canvas.rect.x + canvas.rect.width);
      const int y0 = std::max(0, canvas.rect.y), y1 = std::min(out.height(), canvas.rect.y + canvas.rect.height);
      const std::size_t row = std::size_t(std::max(0, x1 - x0)) * 3;
      std::vector<std::uint8_t> saved(row * std::size_t(std::max(0, y1 - y0)));
      for (int y = y0; y < y1; ++y) std::memcpy(&saved[(y - y0) * row], &out.at(y, x0, 0), row);
      auto restore = [&] {
        for (int y = y0; y < y1; ++y) std::memcpy(&out.at(y, x0, 0), &saved[(y - y0) * row], row);
      };
      bool kept = false;
      std::size_t c = 0;
      for (; c <= alternatives.size() && !kept; ++c) {
        if (c > 0) restore();
        detail::paste_delta(out, canvas, c == 0 ? delta : alternatives[c - 1]);
        kept = expression->predict_faces(out, one).front().label() == want;
      }
      if (!kept) {
        restore();
        detail::paste_delta(out, canvas, delta);
      } else if (c > 1 && i < states.size() && states[i]) {
        *states[i] = alternative_states[c - 2];  // a video track continues from what was published
      }
    }
    fr.seconds = seconds_since(t0);
    done.push_back(faces[i]);
    slot.push_back(result.faces.size());
    result.faces.push_back(std::move(fr));
  }
  if (done.empty()) return result;

  // Predictions and audits see the published pixels, with the original face's geometry.
  const auto t0 = std::chrono::steady_clock::now();
  const auto orig_expr = expression->predict_faces(image, done);
  const auto priv_expr = expression->predict_faces(result.private_image, done);
  std::vector<ExpressionScores> orig_second, priv_second;
  if (second_expression) {
    orig_second = second_expression->predict_faces(image, done);
    priv_second = second_expression->predict_faces(result.private_image, done);
  }
  std::vector<std::vector<std::vector<float>>> orig_emb, priv_emb;
  for (const auto& a : auditors) {
    orig_emb.push_back(a->embed_faces(image, done));
    priv_emb.push_back(a->embed_faces(result.private_image, done));
  }
  const double shared = seconds_since(t0) / double(done.size());
  for (std::size_t j = 0; j < done.size(); ++j) {
    FaceResult& fr = result.faces[slot[j]];
    fr.original_expression = orig_expr[j];
    fr.expression = priv_expr[j];
    if (second_expression) {
      fr.has_second = true;
      fr.second_original_expression = orig_second[j];
      fr.second_expression = priv_second[j];
    }
    for (std::size_t a = 0; a < auditors.size(); ++a) {
      AuditResult ar;
      ar.auditor = auditors[a]->name();
      ar.distance_kind = auditors[a]->distance_kind();
      ar.threshold = auditors[a]->threshold();
      ar.distance = auditors[a]->distance(orig_emb[a][j], priv_emb[a][j]);
      ar.match = ar.distance <= ar.threshold;
      ar.leakage = face_leakage(ar.distance, ar.threshold);
      ar.original_embedding = std::move(orig_emb[a][j]);
      ar.private_embedding = std::move(priv_emb[a][j]);
      fr.leakage = std::max(fr.leakage, ar.leakage);
      fr.audits.push_back(std::move(ar));
    }
    fr.seconds += shared;
  }
  return result;
}

Pipeline::Pipeline(PipelineOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Pipeline::~Pipeline() = default;
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;

AnalysisResult Pipeline::analyze(const Image& image) const {
  FERGUARD_CHECK(!image.empty() && image.channels() == 3, "image: expected a non-empty HxWx3 RGB image, got {}x{}x{}",
                 image.height(), image.width(), image.channels());
  const auto t0 = std::chrono::steady_clock::now();
  AnalysisResult r = impl_->process(image, impl_->analyzer->detect(image), {});
  r.seconds = seconds_since(t0);
  return r;
}

const PipelineOptions& Pipeline::options() const { return impl_->options; }

PipelineInfo Pipeline::info() const {
  const PipelineOptions& o = impl_->options;
  PipelineInfo i;
  i.method = to_string(o.method);
  if (o.method == PrivacyMethod::ferguard) i.controllers = o.controllers;
  i.auditors = o.auditors;
  i.expression_model = o.expression_model;
  i.second_expression_model = o.second_expression_model;
  return i;
}

}  // namespace ferguard
