// Audit protocols: face hull masking, crop variants, per-face embeddings and the bootstrapped run summary.
#include "ferguard/audit/protocols.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "audit/distance.h"
#include "detail/check.h"
#include "ferguard/face/face_geometry.h"
#include "detail/hash_rng.h"

namespace ferguard {
namespace {

constexpr int kPolygonShift = 4;  // fillPoly fixed-point bits: 1/16 pixel
constexpr std::size_t kRank5 = 5;

void check_landmarks(const std::vector<Point2f>& landmarks, const std::string& what) {
  FERGUARD_CHECK(landmarks.size() == static_cast<std::size_t>(kNumFaceLandmarks), "{}: expected {} landmarks, got {}",
                 what, kNumFaceLandmarks, landmarks.size());
  for (std::size_t i = 0; i < landmarks.size(); ++i)
    FERGUARD_CHECK(std::isfinite(landmarks[i].x) && std::isfinite(landmarks[i].y),
                   "{}: landmark {} is not finite ({}, {})", what, i, landmarks[i].x, landmarks[i].y);
}

// One set's hull points: all 68 landmarks (the rest keep every landmark inside even for an odd shape) and the face
// outline with its forehead (face_geometry.h).
void append_outline(const std::vector<Point2f>& p, std::vector<cv::Point2f>& out) {
  for (const Point2f& q : p) out.emplace_back(q.x, q.y);
  for (const Point2f& q : face_outline(p)) out.emplace_back(q.x, q.y);
}

void check_hull(const Image& image, const std::vector<Point2f>& hull, const char* what) {
  FERGUARD_CHECK(!image.empty(), "{}: expected a non-empty image", what);
  FERGUARD_CHECK(hull.size() >= 3, "{}: expected a hull of at least 3 points, got {}", what, hull.size());
  for (std::size_t i = 0; i < hull.size(); ++i)
    FERGUARD_CHECK(std::isfinite(hull[i].x) && std::isfinite(hull[i].y), "{}: hull point {} is not finite", what, i);
}

// 255 inside the polygon. fillPoly puts integer coordinates on pixel centres, ferguard puts them on pixel corners:
// shift by half a pixel. fillPoly rounds both ends of a span to the nearest pixel, hence the extra pixel on the right
// and bottom sides that mask_outside documents.
cv::Mat polygon_mask(const Image& image, const std::vector<Point2f>& hull) {
  cv::Mat mask(image.height(), image.width(), CV_8U, cv::Scalar(0));
  const double one = 1 << kPolygonShift;
  std::vector<cv::Point> poly;
  poly.reserve(hull.size());
  for (const Point2f& p : hull)
    poly.emplace_back(static_cast<int>(std::lround((double(p.x) - 0.5) * one)),
                      static_cast<int>(std::lround((double(p.y) - 0.5) * one)));
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(255), cv::LINE_8, kPolygonShift);
  return mask;
}

// Sets to `grey` the pixels where (mask != 0) == inside.
Image grey_where(const Image& image, const std::vector<Point2f>& hull, std::uint8_t grey, bool inside) {
  const cv::Mat mask = polygon_mask(image, hull);
  Image out = image;
  const int c = image.channels();
  for (int y = 0; y < image.height(); ++y) {
    const std::uint8_t* m = mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < image.width(); ++x)
      if ((m[x] != 0) == inside)
        for (int k = 0; k < c; ++k) out.at(y, x, k) = grey;
  }
  return out;
}

int round_half_up(double v) { return static_cast<int>(std::floor(v + 0.5)); }

// The images a protocol's two sides are cropped from.
enum class Source { original, published, original_face, published_face, original_context, count };

struct Sides {
  Source gallery, probe;
};

Sides sides_of(AuditProtocol protocol) {
  switch (protocol) {
    case AuditProtocol::face:
      return {Source::original_face, Source::published_face};
    case AuditProtocol::photo:
      return {Source::original, Source::published};
    case AuditProtocol::context_floor:
      return {Source::original, Source::original_context};
  }
  throw InvalidArgument("audit protocol: unknown value");
}

// Linear-interpolated quantile of sorted values.
double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * double(sorted.size() - 1);
  const std::size_t i = static_cast<std::size_t>(std::floor(pos));
  const std::size_t j = std::min(i + 1, sorted.size() - 1);
  return sorted[i] + (pos - double(i)) * (sorted[j] - sorted[i]);
}

// Unbiased enough and identical on every standard library (std::uniform_int_distribution is not).
std::size_t draw_index(std::mt19937_64& rng, std::size_t n) {
  return static_cast<std::size_t>((static_cast<unsigned __int128>(rng()) * n) >> 64);
}

// Percentile bootstrap of max over rows of the row means, resampling columns (faces) jointly: one row gives
// bootstrap_rate, several the interval of the worst variant.
RateInterval bootstrap_max(const std::vector<std::vector<int>>& rows, int resamples, std::uint64_t seed) {
  RateInterval r;
  const std::size_t n = rows.empty() ? 0 : rows.front().size();
  if (n == 0) return r;
  auto max_mean = [&](auto&& index) {
    double best = 0.0;
    for (const std::vector<int>& row : rows) {
      long sum = 0;
      for (std::size_t i = 0; i < n; ++i) sum += row[index(i)];
      best = std::max(best, double(sum) / double(n));
    }
    return best;
  };
  r.value = max_mean([](std::size_t i) { return i; });
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> draw(n);
  std::vector<double> stats(static_cast<std::size_t>(resamples));
  for (double& s : stats) {
    for (std::size_t& d : draw) d = draw_index(rng, n);
    s = max_mean([&](std::size_t i) { return draw[i]; });
  }
  std::sort(stats.begin(), stats.end());
  r.lo = quantile(stats, 0.025);
  r.hi = quantile(stats, 0.975);
  return r;
}

void check_resamples(int resamples) {
  FERGUARD_CHECK(resamples >= 1 && resamples <= 1000000, "bootstrap resamples: expected 1..1000000, got {}",
                 resamples);
}

// Every face carries the reference face's auditors, in order, with one distance kind, threshold and embedding length
// per auditor, and one entry per crop variant for each protocol of the options.
void check_consistent(const std::vector<FaceProtocolAudit>& faces, const ProtocolOptions& options,
                      std::vector<std::vector<std::size_t>>& protocol_index) {
  const std::size_t variants = crop_variants().size();
  protocol_index.assign(faces.size(), {});
  std::vector<std::size_t> dims;  // per auditor, from face 0
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const FaceProtocolAudit& f = faces[i];
    for (AuditProtocol p : options.protocols) {
      const auto it = std::find(f.protocols.begin(), f.protocols.end(), p);
      FERGUARD_CHECK(it != f.protocols.end(), "summarize_protocols: face {} was not audited under protocol '{}'", i,
                     to_string(p));
      protocol_index[i].push_back(static_cast<std::size_t>(it - f.protocols.begin()));
    }
    const FaceProtocolAudit& ref = faces.front();
    FERGUARD_CHECK(f.auditors.size() == ref.auditors.size(), "summarize_protocols: face {} has {} auditor(s), face 0 has {}",
                   i, f.auditors.size(), ref.auditors.size());
    for (std::size_t k = 0; k < ref.auditors.size(); ++k) {
      const AuditorEmbeddings& a = f.auditors[k];
      const AuditorEmbeddings& r = ref.auditors[k];
      FERGUARD_CHECK(a.auditor == r.auditor,
                     "summarize_protocols: face {} auditor {} is '{}', expected '{}' (same order on every face)", i, k,
                     a.auditor, r.auditor);
      FERGUARD_CHECK(a.distance_kind == r.distance_kind,
                     "summarize_protocols: face {} auditor '{}': distance kind differs from face 0", i, a.auditor);
      FERGUARD_CHECK(a.threshold == r.threshold, "summarize_protocols: face {} auditor '{}': threshold {} differs from {}",
                     i, a.auditor, a.threshold, r.threshold);
      FERGUARD_CHECK(a.embeddings.size() == f.protocols.size(),
                     "summarize_protocols: face {} auditor '{}': {} protocol entries for {} protocols", i, a.auditor,
                     a.embeddings.size(), f.protocols.size());
      for (std::size_t p : protocol_index[i]) {
        FERGUARD_CHECK(a.embeddings[p].size() == variants,
                       "summarize_protocols: face {} auditor '{}' protocol '{}': {} crop variants, expected {}", i,
                       a.auditor, to_string(f.protocols[p]), a.embeddings[p].size(), variants);
        if (dims.size() == k) {
          dims.push_back(a.embeddings[p].front().gallery.size());
          FERGUARD_CHECK(dims[k] > 0, "summarize_protocols: face 0 auditor '{}': empty gallery embedding", a.auditor);
        }
        for (std::size_t v = 0; v < variants; ++v) {
          const ProtocolEmbedding& e = a.embeddings[p][v];
          FERGUARD_CHECK(e.gallery.size() == dims[k] && (!f.published || e.probe.size() == dims[k]),
                         "summarize_protocols: face {} auditor '{}' protocol '{}' variant '{}': embeddings of length {} "
                         "(gallery) and {} (probe), expected {}",
                         i, a.auditor, to_string(f.protocols[p]), crop_variants()[v].name, e.gallery.size(),
                         e.probe.size(), dims[k]);
        }
      }
    }
  }
}

ProtocolAuditorSummary summarize_one(const std::vector<FaceProtocolAudit>& faces,
                                     const std::vector<std::vector<std::size_t>>& protocol_index, std::size_t k,
                                     std::size_t q, const ProtocolOptions& options) {
  const AuditorEmbeddings& ref = faces.front().auditors[k];
  const std::vector<CropVariant>& variants = crop_variants();
  ProtocolAuditorSummary s;
  s.auditor = ref.auditor;
  s.protocol = options.protocols[q];
  s.threshold = ref.threshold;
  s.gallery = static_cast<int>(faces.size());
  s.chance = 1.0 / s.gallery;
  std::vector<std::size_t> probes;
  for (std::size_t i = 0; i < faces.size(); ++i)
    if (faces[i].published) probes.push_back(i);
  s.faces = static_cast<int>(probes.size());

  // One seed per (auditor, protocol): every variant and the worst one see the same resampled faces.
  const std::uint64_t seed = detail::hash_tuple(options.seed, k, static_cast<int>(s.protocol));
  std::vector<std::vector<int>> hits(variants.size(), std::vector<int>(probes.size(), 0));
  std::vector<const std::vector<float>*> gallery(faces.size());
  for (std::size_t v = 0; v < variants.size(); ++v) {
    auto entry = [&](std::size_t i) -> const ProtocolEmbedding& {
      return faces[i].auditors[k].embeddings[protocol_index[i][q]][v];
    };
    for (std::size_t i = 0; i < faces.size(); ++i) gallery[i] = &entry(i).gallery;
    int rank5 = 0, verified = 0;
    for (std::size_t n = 0; n < probes.size(); ++n) {
      const std::vector<float>& probe = entry(probes[n]).probe;
      const std::size_t competitors = detail::rank_competitors(probe, gallery, probes[n], ref.distance_kind, kRank5);
      hits[v][n] = competitors == 0 ? 1 : 0;
      rank5 += competitors < kRank5 ? 1 : 0;
      if (v == 0) verified += detail::embedding_distance(probe, *gallery[probes[n]], ref.distance_kind) <= ref.threshold;
    }
    VariantRates r;
    r.variant = variants[v].name;
    r.rank1 = bootstrap_max({hits[v]}, options.bootstrap, seed);
    r.rank5 = probes.empty() ? 0.0 : double(rank5) / double(probes.size());
    s.variants.push_back(r);
    if (v == 0) s.verification_rate = probes.empty() ? 0.0 : double(verified) / double(probes.size());
  }
  std::size_t worst = 0;
  for (std::size_t v = 1; v < variants.size(); ++v)
    if (s.variants[v].rank1.value > s.variants[worst].rank1.value) worst = v;
  s.worst_variant = variants[worst].name;
  s.worst_rank1 = bootstrap_max(hits, options.bootstrap, seed);
  return s;
}

}  // namespace

std::vector<Point2f> face_hull(const std::vector<std::vector<Point2f>>& landmark_sets) {
  FERGUARD_CHECK(!landmark_sets.empty(), "face_hull: expected at least one landmark set");
  std::vector<cv::Point2f> points;
  for (std::size_t s = 0; s < landmark_sets.size(); ++s) {
    check_landmarks(landmark_sets[s], fmt::format("face_hull: landmark set {}", s));
    append_outline(landmark_sets[s], points);
  }
  std::vector<cv::Point2f> hull;
  cv::convexHull(points, hull);
  std::vector<Point2f> out;
  out.reserve(hull.size());
  for (const cv::Point2f& p : hull) out.push_back({p.x, p.y});
  return out;
}

Image mask_outside(const Image& image, const std::vector<Point2f>& hull, std::uint8_t grey) {
  check_hull(image, hull, "mask_outside");
  return grey_where(image, hull, grey, false);
}

Image fill_inside(const Image& image, const std::vector<Point2f>& hull, std::uint8_t grey) {
  check_hull(image, hull, "fill_inside");
  return grey_where(image, hull, grey, true);
}

std::string to_string(AuditProtocol protocol) {
  switch (protocol) {
    case AuditProtocol::face:
      return "face";
    case AuditProtocol::photo:
      return "photo";
    case AuditProtocol::context_floor:
      return "context_floor";
  }
  throw InvalidArgument(fmt::format("audit protocol: unknown value {}", static_cast<int>(protocol)));
}

const std::vector<CropVariant>& crop_variants() {
  static const std::vector<CropVariant> variants = {
      {"own", 1.0f, 0.0f, 0.0f},    {"0.85x", 0.85f, 0.0f, 0.0f}, {"1.25x", 1.25f, 0.0f, 0.0f},
      {"left", 1.0f, -0.05f, 0.0f}, {"right", 1.0f, 0.05f, 0.0f}, {"up", 1.0f, 0.0f, -0.05f},
      {"down", 1.0f, 0.0f, 0.05f},
  };
  return variants;
}

PixelRect vary_crop(const PixelRect& own, const CropVariant& variant) {
  FERGUARD_CHECK(own.width >= 1 && own.height >= 1, "vary_crop: expected a non-empty rect, got {}x{}", own.width,
                 own.height);
  FERGUARD_CHECK(variant.scale > 0.0f && std::isfinite(variant.scale),
                 "vary_crop: variant '{}': expected a positive finite scale, got {}", variant.name, variant.scale);
  FERGUARD_CHECK(std::isfinite(variant.shift_x) && std::isfinite(variant.shift_y),
                 "vary_crop: variant '{}': expected finite shifts, got ({}, {})", variant.name, variant.shift_x,
                 variant.shift_y);
  const double cx = own.x + own.width / 2.0, cy = own.y + own.height / 2.0;
  const int w = std::max(1, round_half_up(double(variant.scale) * own.width));
  const int h = std::max(1, round_half_up(double(variant.scale) * own.height));
  return PixelRect{round_half_up(cx + double(variant.shift_x) * w - w / 2.0),
                   round_half_up(cy + double(variant.shift_y) * h - h / 2.0), w, h};
}

void ProtocolOptions::validate() const {
  FERGUARD_CHECK(!protocols.empty(), "protocol options: expected at least one protocol");
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    to_string(protocols[i]);  // throws for a value outside the enum
    for (std::size_t j = 0; j < i; ++j)
      FERGUARD_CHECK(protocols[j] != protocols[i], "protocol options: protocol '{}' listed twice",
                     to_string(protocols[i]));
  }
  FERGUARD_CHECK(bootstrap >= 1 && bootstrap <= 1000000, "protocol options: bootstrap: expected 1..1000000, got {}",
                 bootstrap);
}

ProtocolAuditor::ProtocolAuditor(std::vector<const Recognizer*> auditors, ProtocolOptions options)
    : auditors_(std::move(auditors)), options_(std::move(options)) {
  FERGUARD_CHECK(!auditors_.empty(), "ProtocolAuditor: expected at least one auditor");
  for (std::size_t k = 0; k < auditors_.size(); ++k)
    FERGUARD_CHECK(auditors_[k] != nullptr, "ProtocolAuditor: auditor {} is null", k);
  options_.validate();
}

FaceProtocolAudit ProtocolAuditor::audit_face(const Image& original, const Image& published, const Face& face,
                                              const std::vector<Point2f>& published_landmarks,
                                              bool published_ok) const {
  FERGUARD_CHECK(!original.empty(), "audit_face: expected a non-empty original image");
  FERGUARD_CHECK(published.height() == original.height() && published.width() == original.width() &&
                     published.channels() == original.channels(),
                 "audit_face: published image is {}x{}x{}, expected the original's {}x{}x{}", published.height(),
                 published.width(), published.channels(), original.height(), original.width(), original.channels());
  check_landmarks(face.landmarks, "audit_face: original landmarks");
  if (!published_landmarks.empty()) check_landmarks(published_landmarks, "audit_face: published landmarks");
  const std::vector<Point2f> hull =
      face_hull({face.landmarks, published_landmarks.empty() ? face.landmarks : published_landmarks});

  // Which source images are needed (the probe side only for a published face), built once for all auditors.
  constexpr std::size_t kSources = static_cast<std::size_t>(Source::count);
  std::array<bool, kSources> needed{};
  for (AuditProtocol p : options_.protocols) {
    const Sides sides = sides_of(p);
    needed[static_cast<std::size_t>(sides.gallery)] = true;
    if (published_ok) needed[static_cast<std::size_t>(sides.probe)] = true;
  }
  std::array<Image, kSources> made;
  auto source = [&](Source s) -> const Image& {
    switch (s) {
      case Source::original:
        return original;
      case Source::published:
        return published;
      default:
        return made[static_cast<std::size_t>(s)];
    }
  };
  if (needed[static_cast<std::size_t>(Source::original_face)])
    made[static_cast<std::size_t>(Source::original_face)] = mask_outside(original, hull);
  if (needed[static_cast<std::size_t>(Source::published_face)])
    made[static_cast<std::size_t>(Source::published_face)] = mask_outside(published, hull);
  if (needed[static_cast<std::size_t>(Source::original_context)])
    made[static_cast<std::size_t>(Source::original_context)] = fill_inside(original, hull);

  const std::vector<CropVariant>& variants = crop_variants();
  FaceProtocolAudit audit;
  audit.published = published_ok;
  audit.protocols = options_.protocols;
  for (const Recognizer* rec : auditors_) {
    AuditorEmbeddings a;
    a.auditor = rec->name();
    a.distance_kind = rec->distance_kind();
    a.threshold = rec->threshold();
    const PixelRect own = rec->crop_rect(face, original.width(), original.height());
    // One crop per (source, variant) in use: photo and context_floor share the original's gallery crops.
    std::vector<Image> crops;
    std::vector<std::vector<int>> slot(kSources, std::vector<int>(variants.size(), -1));
    for (std::size_t s = 0; s < kSources; ++s) {
      if (!needed[s]) continue;
      for (std::size_t v = 0; v < variants.size(); ++v) {
        slot[s][v] = static_cast<int>(crops.size());
        crops.push_back(crop_with_padding(source(static_cast<Source>(s)), vary_crop(own, variants[v])));
      }
    }
    const std::vector<std::vector<float>> embedded = rec->embed(crops);
    FERGUARD_CHECK(embedded.size() == crops.size(), "audit_face: auditor '{}' returned {} embeddings for {} crops",
                   a.auditor, embedded.size(), crops.size());
    for (const std::vector<float>& e : embedded)
      FERGUARD_CHECK(!e.empty() && e.size() == embedded.front().size(),
                     "audit_face: auditor '{}' returned embeddings of length {} and {}", a.auditor, e.size(),
                     embedded.front().size());
    for (AuditProtocol p : options_.protocols) {
      const Sides sides = sides_of(p);
      std::vector<ProtocolEmbedding> row(variants.size());
      for (std::size_t v = 0; v < variants.size(); ++v) {
        row[v].gallery = embedded[slot[static_cast<std::size_t>(sides.gallery)][v]];
        if (published_ok) row[v].probe = embedded[slot[static_cast<std::size_t>(sides.probe)][v]];
      }
      a.embeddings.push_back(std::move(row));
    }
    audit.auditors.push_back(std::move(a));
  }
  return audit;
}

RateInterval bootstrap_rate(const std::vector<int>& hits, int resamples, std::uint64_t seed) {
  check_resamples(resamples);
  for (std::size_t i = 0; i < hits.size(); ++i)
    FERGUARD_CHECK(hits[i] == 0 || hits[i] == 1, "bootstrap_rate: hits[{}]: expected 0 or 1, got {}", i, hits[i]);
  return bootstrap_max({hits}, resamples, seed);
}

RateInterval bootstrap_worst_rate(const std::vector<std::vector<int>>& rows, int resamples, std::uint64_t seed) {
  check_resamples(resamples);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    FERGUARD_CHECK(rows[r].size() == rows.front().size(), "bootstrap_worst_rate: row {} has {} values, row 0 has {}", r,
                   rows[r].size(), rows.front().size());
    for (std::size_t i = 0; i < rows[r].size(); ++i)
      FERGUARD_CHECK(rows[r][i] == 0 || rows[r][i] == 1, "bootstrap_worst_rate: rows[{}][{}]: expected 0 or 1, got {}",
                     r, i, rows[r][i]);
  }
  return bootstrap_max(rows, resamples, seed);
}

ProtocolSummary summarize_protocols(const std::vector<FaceProtocolAudit>& faces, const ProtocolOptions& options) {
  options.validate();
  ProtocolSummary s;
  s.faces = static_cast<int>(faces.size());
  for (const FaceProtocolAudit& f : faces) s.masked += f.published ? 0 : 1;
  if (faces.empty()) return s;
  s.masked_share = double(s.masked) / double(s.faces);
  std::vector<std::vector<std::size_t>> protocol_index;
  check_consistent(faces, options, protocol_index);
  for (std::size_t k = 0; k < faces.front().auditors.size(); ++k)
    for (std::size_t q = 0; q < options.protocols.size(); ++q)
      s.results.push_back(summarize_one(faces, protocol_index, k, q, options));
  return s;
}

}  // namespace ferguard
