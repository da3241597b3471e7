// The Auditor: faces found on each original, the anonymised face read at the original's geometry (every protocol and
// crop variant of every auditor), re-detected, its expression and attributes compared. The summary is in
// audit_summary.cpp.
#include "ferguard/audit/auditor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>

#include "audit/auditor_impl.h"
#include "detail/box_iou.h"
#include "detail/check.h"
#include "detail/landmark_bounds.h"
#include "ferguard/audit/reversal.h"
#include "ferguard/face/face_geometry.h"
#include "ferguard/model/face_analyzer.h"

namespace ferguard {

void AuditOptions::validate() const {
  FERGUARD_CHECK(!auditors.empty() || !custom_auditors.empty(), "audit options: auditors: expected at least one");
  std::vector<std::string> seen;
  for (const std::string& a : auditors) {
    FERGUARD_CHECK(std::find(recognizer_names().begin(), recognizer_names().end(), a) != recognizer_names().end(),
                   "audit options: auditors: unknown recogniser '{}' (known: faceapi, faceres, mobileface)", a);
    FERGUARD_CHECK(std::find(seen.begin(), seen.end(), a) == seen.end(), "audit options: auditor '{}' listed twice",
                   a);
    seen.push_back(a);
  }
  for (const GraphRecognizerSpec& c : custom_auditors) {
    c.validate();
    FERGUARD_CHECK(std::find(seen.begin(), seen.end(), c.name) == seen.end(),
                   "audit options: auditor name '{}' used twice (custom auditors need names of their own)", c.name);
    seen.push_back(c.name);
  }
  FERGUARD_CHECK(!expression_models.empty(), "audit options: expression_models: expected at least one");
  for (std::size_t i = 0; i < expression_models.size(); ++i) {
    const auto& names = expression_model_names();
    FERGUARD_CHECK(std::find(names.begin(), names.end(), expression_models[i]) != names.end(),
                   "audit options: expression_models: unknown model '{}' (known: faceapi, emotion)",
                   expression_models[i]);
    for (std::size_t j = 0; j < i; ++j)
      FERGUARD_CHECK(expression_models[j] != expression_models[i], "audit options: expression model '{}' listed twice",
                     expression_models[i]);
  }
  protocol.validate();
  if (reversal) {
    FERGUARD_CHECK(!reversal_sigmas.empty(), "audit options: reversal_sigmas: expected at least one (or reversal off)");
    for (float s : reversal_sigmas)
      FERGUARD_CHECK(std::isfinite(s) && s > 0.0f && s <= 1.0f,
                     "audit options: reversal_sigmas: expected values in (0, 1], got {}", s);
  }
  FERGUARD_CHECK(min_faces >= 1, "audit options: min_faces: expected >= 1, got {}", min_faces);
  models.validate();
}

namespace {

// Side of the square the reversal attacker deconvolves, in landmark box sides: wide enough that the face protocol's
// largest crop (1.25 x faceres's 1.4) lies inside, so the kernel's edge effects stay outside what is recognised.
constexpr float kReversalRegion = 2.2f;
// The face regions whose outside must be untouched (ferguard's working canvas).
constexpr float kFaceRegionScale = 1.6f;
constexpr double kIdenticalPsnr = 100.0;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

float landmark_box_side(const std::vector<Point2f>& p) {
  const detail::LandmarkBounds b = detail::landmark_bounds(p);
  return std::max(b.x1 - b.x0, b.y1 - b.y0);
}

PixelRect clip(const PixelRect& r, int w, int h) {
  const int x0 = std::clamp(r.x, 0, w), y0 = std::clamp(r.y, 0, h);
  const int x1 = std::clamp(r.x + r.width, 0, w), y1 = std::clamp(r.y + r.height, 0, h);
  return {x0, y0, x1 - x0, y1 - y0};
}

// `anonymised` with the region around the face deconvolved (a Gaussian of sigma x the landmark box side).
Image reverse_blur(const Image& anonymised, const std::vector<Point2f>& landmarks, float sigma_fraction) {
  const PixelRect r =
      clip(landmark_square_crop(landmarks, kReversalRegion), anonymised.width(), anonymised.height());
  Image out = anonymised;
  if (r.width < 2 || r.height < 2) return out;
  const Image region = crop_with_padding(anonymised, r);
  const Image sharp = wiener_deconvolve(region, sigma_fraction * landmark_box_side(landmarks));
  for (int y = 0; y < r.height; ++y)
    for (int x = 0; x < r.width; ++x)
      for (int c = 0; c < out.channels(); ++c) out.at(r.y + y, r.x + x, c) = sharp.at(y, x, c);
  return out;
}

// PSNR of b against a over the pixels outside every rect; 100 for identical pixels, -1 when no pixel is outside.
double psnr_outside(const Image& a, const Image& b, const std::vector<PixelRect>& rects) {
  double sq = 0.0;
  std::size_t n = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) {
      bool inside = false;
      for (const PixelRect& r : rects)
        if (x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height) {
          inside = true;
          break;
        }
      if (inside) continue;
      for (int c = 0; c < a.channels(); ++c) {
        const double d = double(a.at(y, x, c)) - double(b.at(y, x, c));
        sq += d * d;
      }
      n += static_cast<std::size_t>(a.channels());
    }
  if (n == 0) return -1.0;
  if (sq == 0.0) return kIdenticalPsnr;
  return std::min(kIdenticalPsnr, 10.0 * std::log10(255.0 * 255.0 / (sq / double(n))));
}

void check_pair(const AuditPair& pair) {
  FERGUARD_CHECK(!pair.original.empty() && pair.original.channels() == 3,
                 "audit pair '{}': expected a non-empty RGB original, got {}x{}x{}", pair.name, pair.original.height(),
                 pair.original.width(), pair.original.channels());
  FERGUARD_CHECK(pair.anonymised.height() == pair.original.height() &&
                     pair.anonymised.width() == pair.original.width() && pair.anonymised.channels() == 3,
                 "audit pair '{}': the anonymised image is {}x{}x{}, expected the original's size {}x{}x3", pair.name,
                 pair.anonymised.height(), pair.anonymised.width(), pair.anonymised.channels(),
                 pair.original.height(), pair.original.width());
}

// A custom auditor's recogniser with the threshold the report uses (its own, or one calibrated later).
struct LoadedAuditor {
  std::unique_ptr<Recognizer> recognizer;
  detail::AuditorInfo info;
};

}  // namespace

struct Auditor::Impl {
  detail::AuditState state;
  std::unique_ptr<FaceAnalyzer> analyzer;
  std::vector<LoadedAuditor> auditors;
  std::vector<std::unique_ptr<ExpressionModel>> expression;
  std::unique_ptr<AttributeModel> attributes;
  std::unique_ptr<ProtocolAuditor> protocol;
  mutable std::mutex mutex;

  explicit Impl(AuditOptions options) {
    options.validate();
    state.options = std::move(options);
    const AuditOptions& o = state.options;
    FaceAnalyzerOptions fa;
    fa.models_dir = o.models.faceapi_dir;
    fa.detector = o.detector;
    fa.threads = o.models.threads;
    fa.device = o.models.device;
    analyzer = std::make_unique<FaceAnalyzer>(fa);
    for (const std::string& name : o.auditors) {
      LoadedAuditor a;
      a.recognizer = make_recognizer(name, o.models);
      a.info = {name, a.recognizer->distance_kind(), a.recognizer->threshold(), "built-in", "built-in"};
      auditors.push_back(std::move(a));
    }
    for (const GraphRecognizerSpec& spec : o.custom_auditors) {
      LoadedAuditor a;
      a.recognizer = make_graph_recognizer(spec, o.models);
      a.info = {spec.name, spec.distance, spec.threshold, spec.threshold > 0.0f ? "given" : "calibrated",
                spec.model_path};
      auditors.push_back(std::move(a));
    }
    for (const LoadedAuditor& a : auditors) state.auditors.push_back(a.info);
    for (const std::string& name : o.expression_models) expression.push_back(make_expression_model(name, o.models));
    if (o.soft_biometrics) attributes = make_attribute_model("faceres", o.models);
    std::vector<const Recognizer*> raw;
    for (const LoadedAuditor& a : auditors) raw.push_back(a.recognizer.get());
    protocol = std::make_unique<ProtocolAuditor>(raw, o.protocol);
  }

  // Faces with 68 landmarks in the detector's order (descending score): face k is the k-th face of `ferguard
  // detect` and of `ferguard analyze`'s report, and the two commands summarise the same faces in the same order.
  std::vector<Face> faces_of(const Image& image) const {
    std::vector<Face> faces;
    for (Face& f : analyzer->detect(image))
      if (f.landmarks.size() == static_cast<std::size_t>(kNumFaceLandmarks)) faces.push_back(std::move(f));
    return faces;
  }

  // The reversal attacker's face-protocol probes at each auditor's own crop, per auditor and sigma.
  std::vector<std::vector<std::vector<float>>> reversal_probes(const Image& anonymised, const Face& face) const {
    const std::vector<Point2f> hull = face_hull({face.landmarks});
    std::vector<Image> masked;
    for (float s : state.options.reversal_sigmas)
      masked.push_back(mask_outside(reverse_blur(anonymised, face.landmarks, s), hull));
    std::vector<std::vector<std::vector<float>>> out;
    for (const LoadedAuditor& a : auditors) {
      const PixelRect own = a.recognizer->crop_rect(face, anonymised.width(), anonymised.height());
      std::vector<Image> crops;
      for (const Image& m : masked) crops.push_back(crop_with_padding(m, own));
      out.push_back(a.recognizer->embed(crops));
    }
    return out;
  }

  int add(const AuditPair& pair) {
    const auto t0 = std::chrono::steady_clock::now();
    check_pair(pair);
    const std::vector<Face> faces = faces_of(pair.original);
    std::vector<std::string> warnings;
    std::vector<AuditedFace> audited(faces.size());
    std::vector<PixelRect> regions;
    if (!faces.empty()) {
      const std::vector<Face> found = analyzer->detect(pair.anonymised);
      std::vector<std::vector<ExpressionScores>> eo, ea;
      for (const auto& m : expression) {
        eo.push_back(m->predict_faces(pair.original, faces));
        ea.push_back(m->predict_faces(pair.anonymised, faces));
      }
      std::vector<FaceAttributes> ao, aa;
      if (attributes) {
        ao = attributes->predict_faces(pair.original, faces);
        aa = attributes->predict_faces(pair.anonymised, faces);
      }
      // Identities: per face, else the pair's identity for its one face (or its largest).
      std::vector<std::string> ids(faces.size());
      if (!pair.identity.empty()) {
        std::size_t largest = 0;
        for (std::size_t i = 1; i < faces.size(); ++i)
          if (faces[i].box.width * faces[i].box.height > faces[largest].box.width * faces[largest].box.height)
            largest = i;
        ids[largest] = pair.identity;
        if (faces.size() > 1)
          warnings.push_back(fmt::format("'{}': identity '{}' given for a photo of {} faces: applied to its largest "
                                         "face (index {}); name faces as '{}#k' in the identities file",
                                         pair.name, pair.identity, faces.size(), largest, pair.name));
      }
      for (std::size_t i = 0; i < pair.face_identities.size() && i < faces.size(); ++i)
        if (!pair.face_identities[i].empty()) ids[i] = pair.face_identities[i];

      for (std::size_t i = 0; i < faces.size(); ++i) {
        AuditedFace& f = audited[i];
        f.image = pair.name;
        f.index = static_cast<int>(i);
        f.identity = ids[i];
        f.extra = i < pair.face_extra.size() && pair.face_extra[i];
        f.box = faces[i].box;
        f.landmarks = faces[i].landmarks;
        f.protocol = protocol->audit_face(pair.original, pair.anonymised, faces[i], {}, true);
        if (state.options.reversal) f.reversal_probes = reversal_probes(pair.anonymised, faces[i]);
        for (std::size_t m = 0; m < expression.size(); ++m) {
          f.original_expression.push_back(eo[m][i]);
          f.anonymised_expression.push_back(ea[m][i]);
        }
        const Face* best = nullptr;
        for (const Face& g : found) {
          const float iou = detail::box_iou(faces[i].box, g.box);
          if (iou > f.redetection_iou) f.redetection_iou = iou, best = &g;
        }
        f.redetected = best != nullptr && f.redetection_iou >= 0.5f;
        if (f.redetected && best->landmarks.size() == faces[i].landmarks.size()) {
          double sum = 0.0;
          for (std::size_t k = 0; k < faces[i].landmarks.size(); ++k)
            sum += std::hypot(double(best->landmarks[k].x) - faces[i].landmarks[k].x,
                              double(best->landmarks[k].y) - faces[i].landmarks[k].y);
          const double iod = inter_ocular(faces[i].landmarks);
          f.landmark_error = iod > 0 ? static_cast<float>(sum / double(faces[i].landmarks.size()) / iod) : -1.0f;
        }
        if (attributes) {
          f.has_attributes = true;
          f.original_attributes = ao[i];
          f.anonymised_attributes = aa[i];
        }
        regions.push_back(landmark_square_crop(faces[i].landmarks, kFaceRegionScale));
      }
    }
    detail::AuditedImage image{pair.name, static_cast<int>(faces.size()),
                               psnr_outside(pair.original, pair.anonymised, regions)};
    const double seconds = seconds_since(t0);
    std::lock_guard<std::mutex> lock(mutex);
    for (AuditedFace& f : audited) state.faces.push_back(std::move(f));
    state.images.push_back(std::move(image));
    for (std::string& w : warnings) state.warnings.push_back(std::move(w));
    state.seconds += seconds;
    return static_cast<int>(faces.size());
  }
};

Auditor::Auditor(AuditOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Auditor::~Auditor() = default;
Auditor::Auditor(Auditor&&) noexcept = default;
Auditor& Auditor::operator=(Auditor&&) noexcept = default;

int Auditor::add(const AuditPair& pair) { return impl_->add(pair); }

void Auditor::add_error(const std::string& input, const std::string& message) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->state.errors.push_back({input, message});
}

AuditReport Auditor::result() const {
  detail::AuditState copy;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    copy = impl_->state;
  }
  // Pairs added concurrently arrive in any order: the report lists them by name, then face index.
  std::stable_sort(copy.faces.begin(), copy.faces.end(), [](const AuditedFace& a, const AuditedFace& b) {
    return a.image != b.image ? a.image < b.image : a.index < b.index;
  });
  std::stable_sort(copy.images.begin(), copy.images.end(),
                   [](const detail::AuditedImage& a, const detail::AuditedImage& b) { return a.name < b.name; });
  std::stable_sort(copy.errors.begin(), copy.errors.end(),
                   [](const AuditError& a, const AuditError& b) { return a.input < b.input; });
  AuditReport r = detail::summarize_audit(copy);
  if (!impl_->state.options.keep_embeddings)
    for (AuditedFace& f : r.faces) {
      f.protocol = {};
      f.reversal_probes.clear();
    }
  return r;
}

const AuditOptions& Auditor::options() const { return impl_->state.options; }

std::vector<std::string> Auditor::auditor_names() const {
  std::vector<std::string> names;
  for (const auto& a : impl_->state.auditors) names.push_back(a.name);
  return names;
}

void Auditor::set_input_folders(const std::string& originals, const std::string& anonymised) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->state.originals_dir = originals;
  impl_->state.anonymised_dir = anonymised;
}

}  // namespace ferguard
