// Pipeline: options, model loading, and the per-image flow detect -> canvas -> privatize -> paste -> predict -> audit.
#include "ferguard/pipeline/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "detail/check.h"
#include "detail/parallel.h"
#include "ferguard/audit/naturalness.h"
#include "ferguard/privacy/template_bank.h"
#include "model/differentiable.h"
#include "model/torch_runtime.h"
#include "pipeline/pipeline_impl.h"
#include "privacy/face_region.h"

namespace ferguard {

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
  FERGUARD_CHECK(strength_shape >= 0.0f && strength_shape <= 1.0f,
                 "PipelineOptions.strength_shape: expected a value in [0, 1], got {}", strength_shape);
  check_names(controllers, recognizer_names(), "controllers");
  check_names(template_controllers, recognizer_names(), "template_controllers");
  check_names(auditors, recognizer_names(), "auditors");
  for (const std::string& a : auditors)
    FERGUARD_CHECK(!contains(active_controllers(), a),
                   "PipelineOptions.auditors: '{}' is also a controller; a recogniser that steers the privatizer "
                   "cannot audit it",
                   a);
  FERGUARD_CHECK(method != PrivacyMethod::adversarial || !controllers.empty(),
                 "PipelineOptions.controllers: the adversarial method needs at least one controller");
  FERGUARD_CHECK(!active_auditors().empty(),
                 "PipelineOptions.auditors: every recogniser steers the privatizer, none is left to audit it");
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
  FERGUARD_CHECK(compensation_steps >= -1 && compensation_steps <= 1000,
                 "PipelineOptions.compensation_steps: expected 0..1000 (or -1: the method's default), got {}",
                 compensation_steps);
  FERGUARD_CHECK(canvas >= 32 && canvas <= 1024, "PipelineOptions.canvas: expected 32..1024, got {}", canvas);
  FERGUARD_CHECK(cutoff > 0.0 && cutoff <= std::sqrt(2.0), "PipelineOptions.cutoff: expected (0, sqrt 2], got {}", cutoff);
  FERGUARD_CHECK(min_face >= 1, "PipelineOptions.min_face: expected >= 1, got {}", min_face);
  detail::check_threads(threads, "PipelineOptions.threads");
  models.validate();
  detector.validate();
}

std::vector<std::string> PipelineOptions::active_controllers() const {
  if (method == PrivacyMethod::adversarial) return controllers;
  if (method == PrivacyMethod::face_template) return template_controllers;
  return {};
}

std::vector<std::string> PipelineOptions::active_auditors() const {
  if (!auditors.empty()) return auditors;
  std::vector<std::string> out;
  for (const std::string& r : recognizer_names())
    if (!contains(active_controllers(), r)) out.push_back(r);
  return out;
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
  r.audit_seconds = audit_seconds;
  r.has_naturalness = audited;
  r.naturalness = naturalness;
  r.protocol = protocol;
  return r;
}

Pipeline::Impl::Impl(PipelineOptions o) : options(std::move(o)) {
  options.validate();
  // Per-face nets on one thread each; the threads go to the detector and to the faces (PipelineOptions::threads).
  ModelOptions mo = options.models;
  mo.threads = 1;
  FaceAnalyzerOptions fa;
  fa.models_dir = mo.faceapi_dir;
  fa.detector = options.detector;
  fa.threads = 1;
  fa.detector_threads = options.threads;
  fa.device = mo.device;
  analyzer = std::make_unique<FaceAnalyzer>(fa);
  for (const std::string& a : options.active_auditors()) auditors.push_back(make_recognizer(a, mo));
  expression = make_expression_model(options.expression_model, mo);
  if (!options.second_expression_model.empty())
    second_expression = make_expression_model(options.second_expression_model, mo);
  detail::MethodSettings ms;
  ms.models = mo;
  ms.split.cutoff = options.cutoff;
  ms.split.threads = 1;
  ms.split.plan_effort = PlanEffort::estimate;  // plans do not depend on timing, so output bytes do not either
  ms.threads = 1;
  ms.expression_model = options.expression_model;
  ms.controllers = options.active_controllers();
  ms.budget_scale = options.budget_scale;
  ms.steps = options.steps;
  ms.compensation_steps = options.compensation_steps;
  ms.template_bank = options.template_bank;
  ms.template_pose = options.template_pose;
  method = detail::make_face_privatizer(options.method, ms);
  std::vector<const Recognizer*> raw;
  for (const auto& a : auditors) raw.push_back(a.get());
  protocol_auditor = std::make_unique<ProtocolAuditor>(raw);
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

constexpr float kMinChangePerStrength = 2.0f;

std::string fmt_too_small(float side) {
  return "face too small (" + std::to_string(int(side)) + " px)";
}

}  // namespace

void Pipeline::Impl::audit_masked(const Image& image, AnalysisResult& result) const {
  if (!options.audit) return;
  // A masked face is no probe, but its original stays in the attacker's gallery.
  for (FaceResult& fr : result.faces)
    if (fr.status == FaceStatus::masked && detail::landmark_box_side(fr.face.landmarks) > 0.0f)
      fr.protocol = protocol_auditor->audit_face(image, result.private_image, fr.face, {}, false);
}

AnalysisResult Pipeline::Impl::process(const Image& image, const std::vector<Face>& faces,
                                       const std::vector<std::unique_ptr<detail::MethodTrackState>*>& states) const {
  AnalysisResult result;
  result.private_image = image;
  std::vector<Face> done;        // privatized faces, for the batched predictions and audits
  std::vector<std::size_t> slot;  // their index in result.faces
  const std::uint64_t photo = method->needs_photo_hash() ? photo_hash(image) : 0;
  // ferguard's model on every original face that will be privatized, in one batch: the method chooses by it, and it
  // is the prediction's reference.
  std::vector<ExpressionScores> original_scores(faces.size());
  double original_predict = 0.0;  // per face, added to its time
  {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<Face> rated;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < faces.size(); ++i)
      if (detail::landmark_box_side(faces[i].landmarks) >= float(options.min_face)) {
        rated.push_back(faces[i]);
        index.push_back(i);
      }
    if (!rated.empty()) {
      const std::vector<ExpressionScores> scores = expression->predict_faces(image, rated);
      for (std::size_t k = 0; k < index.size(); ++k) original_scores[index[k]] = scores[k];
      original_predict = seconds_since(t0) / double(rated.size());
    }
  }
  detail::Strengths strengths{options.strength_shape, options.strength_low, options.strength_high, options.compensate};
  // Privacy fails closed: a face is published only if the method changed it by at least this much (mean absolute
  // change inside the face, grey levels), a floor that grows with the strengths.
  const float floor = kMinChangePerStrength * strengths.max();
  // `spent`: seconds already spent on the face.
  auto mask = [&](FaceResult& fr, std::string reason, double spent) {
    fr.status = FaceStatus::masked;
    fr.reason = std::move(reason);
    fr.published_landmarks.clear();
    detail::mask_face(result.private_image, fr.face.box);
    fr.seconds = spent;
    result.faces.push_back(std::move(fr));
  };
  // Each face's job first; then the method on every face at once (faces are independent: each reads the original
  // image only), one face per thread with one LibTorch thread each, which is faster than one face at a time with
  // several threads on the small nets and canvases involved; then publication, in face order, as one loop would.
  struct Work {
    detail::FaceJob job;
    detail::FaceChange change;
    std::string masked;   // why the face is masked before the method runs ("" = it runs)
    bool apply = false;   // the method runs on it
    double seconds = 0.0;  // time spent on it before publication
  };
  std::vector<Work> work(faces.size());
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    Work& w = work[i];
    const float side = detail::landmark_box_side(faces[i].landmarks);
    if (side < float(options.min_face)) {
      w.masked = faces[i].landmarks.size() != std::size_t(kNumFaceLandmarks) || side <= 0.0f ? "landmarks failed"
                                                                                            : fmt_too_small(side);
      continue;
    }
    std::vector<FaceBox> boxes = method->canvas_boxes(faces[i].landmarks);
    const PixelRect sq = landmark_square_crop(faces[i].landmarks, 1.6f);
    boxes.push_back(FaceBox{float(sq.x), float(sq.y), float(sq.width), float(sq.height)});
    // Never enlarge a small face: the change is made at the face's own resolution when it is below the canvas size,
    // so that nothing of it is lost when it is pasted back.
    const PixelRect square = detail::covering_square(boxes);
    detail::FaceJob& job = w.job;
    job.photo = photo;
    job.canvas = detail::Canvas{square, std::clamp(square.width, 32, options.canvas)};
    job.x0 = detail::read_canvas(image, job.canvas);
    for (const Point2f& p : faces[i].landmarks) job.landmarks.push_back(job.canvas.to_canvas(p));
    job.expression = original_scores[i].label();
    job.strengths = strengths;
    job.seed = options.seed;
    w.apply = strengths.max() > 0.0f && method->changes_faces();  // else unchanged: strength 0, or `none`
    w.seconds = seconds_since(t0);
  }
  std::vector<std::size_t> applied;
  for (std::size_t i = 0; i < work.size(); ++i)
    if (work[i].apply) applied.push_back(i);
  const int face_threads = applied.size() > 1 ? detail::resolve_threads(options.threads) : 1;
  detail::parallel_for(std::int64_t(applied.size()), face_threads, [&](std::int64_t k) {
    const std::size_t i = applied[std::size_t(k)];
    Work& w = work[i];
    const auto t0 = std::chrono::steady_clock::now();
    try {
      w.change = method->apply(w.job, i < states.size() ? states[i] : nullptr);
    } catch (const std::exception& e) {  // this face's geometry, template or a kernel: mask it, go on with the others
      w.change.failure = detail::exception_message(e);
    }
    w.seconds += seconds_since(t0);
  });
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto spent = [&] { return work[i].seconds + seconds_since(t0); };
    FaceResult fr;
    fr.face = faces[i];
    if (!work[i].masked.empty()) {
      mask(fr, work[i].masked, spent());
      continue;
    }
    const detail::FaceJob& job = work[i].job;
    const detail::Canvas& canvas = job.canvas;

    if (!work[i].apply) {
      fr.published_landmarks = faces[i].landmarks;
    } else {
      detail::FaceChange& change = work[i].change;
      if (change.failure.empty() && change.candidates.empty()) change.failure = "the method returned no face";
      if (!change.failure.empty()) {
        mask(fr, "could not privatize: " + change.failure, spent());
        continue;
      }
      // Only candidates that changed the face by at least the floor may be published.
      const std::vector<float> inside =
          change.alpha.empty() ? detail::face_mask(job.landmarks, canvas.side) : change.alpha;
      std::vector<float> changes;
      std::vector<std::size_t> eligible;  // candidate indices, best first
      for (std::size_t c = 0; c < change.candidates.size(); ++c) {
        changes.push_back(detail::mean_change(job.x0, change.candidates[c], inside));
        if (changes.back() >= floor) eligible.push_back(c);
      }
      if (eligible.empty()) {
        mask(fr, fmt::format("changed too little ({:.2f} grey levels, floor {:.2f})", changes.front(), floor), spent());
        continue;
      }
      auto paste = [&](Image& out, const Tensor4& candidate) {
        if (change.alpha.empty()) {
          Tensor4 delta = candidate;
          for (std::size_t k = 0; k < delta.vector().size(); ++k) delta.vector()[k] -= job.x0.vector()[k];
          detail::paste_delta(out, canvas, delta);
        } else {
          detail::paste_blend(out, canvas, candidate, change.alpha);
        }
      };
      std::size_t published = eligible.front();
      if (!change.check_label || eligible.size() == 1) {
        paste(result.private_image, change.candidates[published]);
      } else {
        // The expression is checked in the form it is published (pasted back, cropped by ferguard's own expression
        // model): the first eligible candidate whose label survives is published, else the first eligible one.
        const std::vector<Face> one{faces[i]};
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
        for (std::size_t k = 0; k < eligible.size() && !kept; ++k) {
          if (k > 0) restore();
          paste(out, change.candidates[eligible[k]]);
          kept = expression->predict_faces(out, one).front().label() == job.expression;
          if (kept) published = eligible[k];
        }
        if (!kept) {
          restore();
          paste(out, change.candidates[published]);
        }
      }
      fr.change = changes[published];
      if (change.published) change.published(published);
      for (const Point2f& p : change.geometry)
        fr.published_landmarks.push_back({float(canvas.rect.x + p.x / canvas.scale()),
                                          float(canvas.rect.y + p.y / canvas.scale())});
      fr.template_donors = change.template_donors;
      fr.template_people = change.template_people;
      fr.template_selection = change.template_selection;
    }
    fr.seconds = spent();
    done.push_back(faces[i]);
    slot.push_back(result.faces.size());
    result.faces.push_back(std::move(fr));
  }
  if (done.empty()) {
    audit_masked(image, result);
    return result;
  }

  // The prediction (what an app publishes beside the face) sees the published pixels with the original's geometry.
  const auto t0 = std::chrono::steady_clock::now();
  const auto priv_expr = expression->predict_faces(result.private_image, done);
  const double predict = seconds_since(t0) / double(done.size());
  for (std::size_t j = 0; j < done.size(); ++j) {
    FaceResult& fr = result.faces[slot[j]];
    fr.original_expression = original_scores[slot[j]];
    fr.expression = priv_expr[j];
    fr.seconds += predict + original_predict;
  }
  if (!options.audit) return result;

  // The audit: the independent expression model, the auditors, and whether the published faces look natural.
  const auto t1 = std::chrono::steady_clock::now();
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
  const std::vector<Face> found = analyzer->detect(result.private_image);
  for (std::size_t j = 0; j < done.size(); ++j) {
    FaceResult& fr = result.faces[slot[j]];
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
    fr.audited = true;
  }
  // The protocol audit (3 protocols x 7 crops x every auditor per face): faces in parallel, as the privatization.
  detail::parallel_for(std::int64_t(done.size()), detail::resolve_threads(options.threads), [&](std::int64_t k) {
    const std::size_t j = std::size_t(k);
    FaceResult& fr = result.faces[slot[j]];
    fr.naturalness = check_naturalness(image, result.private_image, done[j], found);
    fr.protocol = protocol_auditor->audit_face(image, result.private_image, done[j], fr.published_landmarks);
  });
  audit_masked(image, result);
  const double audit = seconds_since(t1) / double(done.size());
  for (std::size_t j = 0; j < done.size(); ++j) result.faces[slot[j]].audit_seconds = audit;
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
  i.controllers = o.active_controllers();
  i.auditors = o.active_auditors();
  i.expression_model = o.expression_model;
  i.second_expression_model = o.second_expression_model;
  return i;
}

}  // namespace ferguard
