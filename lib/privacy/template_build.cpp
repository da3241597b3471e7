// Building a template bank from donor photos: detect, classify, align, warp to the mean shape.
#include <cmath>
#include <set>

#include "detail/check.h"
#include "detail/landmark_bounds.h"
#include "ferguard/face/face_geometry.h"
#include "ferguard/model/face_analyzer.h"
#include "ferguard/privacy/template_bank.h"

namespace ferguard {

void TemplateBuildOptions::validate() const {
  FERGUARD_CHECK(side >= 32 && side <= 1024, "TemplateBuildOptions.side: expected 32..1024, got {}", side);
  FERGUARD_CHECK(k >= 1 && k <= 1000, "TemplateBuildOptions.k: expected 1..1000, got {}", k);
  FERGUARD_CHECK(min_face >= 8, "TemplateBuildOptions.min_face: expected >= 8, got {}", min_face);
  models.validate();
  detector.validate();
}

namespace {

struct Found {
  std::size_t source;
  std::vector<Point2f> landmarks;
  Expression expression;
};

}  // namespace

TemplateBank build_template_bank(const std::vector<TemplateSource>& sources, const TemplateBuildOptions& options,
                                 TemplateBuildReport* report) {
  options.validate();
  FaceAnalyzerOptions fa;
  fa.models_dir = options.models.faceapi_dir;
  fa.detector = options.detector;
  fa.threads = options.models.threads;
  fa.device = options.models.device;
  const FaceAnalyzer analyzer(fa);
  const auto expression = make_expression_model(options.expression_model, options.models);

  TemplateBuildReport rep;
  rep.per_expression.assign(kNumExpressions, 0);
  std::vector<Found> found;
  std::vector<std::uint64_t> hashes;  // one per source photo
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const Image& img = sources[i].image;
    FERGUARD_CHECK(!img.empty() && img.channels() == 3, "donor '{}': expected an RGB image", sources[i].name);
    ++rep.photos;
    hashes.push_back(photo_hash(img));
    std::vector<Face> faces;
    for (Face& f : analyzer.detect(img)) {
      const auto b = detail::landmark_bounds(f.landmarks);
      if (f.landmarks.size() == std::size_t(kNumFaceLandmarks) && std::min(b.x1 - b.x0, b.y1 - b.y0) >= options.min_face)
        faces.push_back(std::move(f));
      else
        ++rep.skipped;
    }
    if (faces.empty()) continue;
    const auto scores = expression->predict_faces(img, faces);
    for (std::size_t j = 0; j < faces.size(); ++j) found.push_back({i, faces[j].landmarks, scores[j].label()});
  }
  FERGUARD_CHECK(!found.empty(), "template donors: no face of at least {} pixels in {} photo(s)", options.min_face,
                 sources.size());
  std::vector<std::vector<Point2f>> shapes;
  for (const Found& f : found) shapes.push_back(f.landmarks);
  const CanonicalFrame frame{options.side};
  const std::vector<Point2f> reference = mean_shape(shapes, frame);
  const FaceMesh mesh(reference);
  const std::vector<Point2f> target = mesh.control_points(reference);

  TemplateBank bank(options.side, options.k, reference);
  for (const Found& f : found) {
    const std::vector<Point2f> cp = mesh.control_points(f.landmarks);
    if (mesh.bad_triangles(cp) > 0) {
      ++rep.skipped;
      continue;
    }
    const Image& img = sources[f.source].image;
    // Warp only the part of the photo the mesh covers.
    float x0 = cp[0].x, y0 = cp[0].y, x1 = x0, y1 = y0;
    for (const Point2f& p : cp) x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
    const PixelRect r{int(std::floor(x0)) - 2, int(std::floor(y0)) - 2, int(std::ceil(x1 - x0)) + 5,
                      int(std::ceil(y1 - y0)) + 5};
    const Tensor4 crop = to_tensor(crop_with_padding(img, r));
    std::vector<Point2f> local = cp;
    for (Point2f& p : local) p = {p.x - r.x, p.y - r.y};
    const Tensor4 tex = mesh.warp(crop, local, target, options.side, options.side);
    TemplateDonor d;
    d.photo = hashes[f.source];
    d.identity = sources[f.source].identity;
    d.expression = f.expression;
    d.shape = fit_similarity(f.landmarks, reference).apply(f.landmarks);
    d.texture.resize(std::size_t(options.side) * options.side * 3);
    for (int y = 0; y < options.side; ++y)
      for (int x = 0; x < options.side; ++x)
        for (int c = 0; c < 3; ++c)
          d.texture[(std::size_t(y) * options.side + x) * 3 + c] =
              std::uint8_t(std::lround(std::clamp(tex.at(0, c, y, x), 0.0f, 1.0f) * 255.0f));
    ++rep.per_expression[static_cast<int>(d.expression)];
    ++rep.faces;
    bank.add(std::move(d));
  }
  FERGUARD_CHECK(bank.people() >= options.k, "template donors: {} people, fewer than k = {}", bank.people(),
                 options.k);
  if (report) *report = rep;
  return bank;
}

}  // namespace ferguard
