// Audit protocols: the face hull and its masks, crop variants, the bootstrap, the summary against a sort-based
// reference, and whole audits with a fake recogniser on synthetic scenes (no model files).
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>

#include "ferguard/audit/protocols.h"
#include "ferguard/error.h"
#include "privacy/synthetic_landmarks.h"

namespace ferguard {
namespace {

using Embedding = std::vector<float>;

std::vector<cv::Point2f> to_cv(const std::vector<Point2f>& p) {
  std::vector<cv::Point2f> out;
  for (const Point2f& q : p) out.emplace_back(q.x, q.y);
  return out;
}

// Rotates and scales landmarks about a centre.
std::vector<Point2f> transformed(const std::vector<Point2f>& p, Point2f centre, double degrees, double scale,
                                 Point2f shift = {}) {
  const double a = degrees * M_PI / 180.0, c = std::cos(a), s = std::sin(a);
  std::vector<Point2f> out;
  for (const Point2f& q : p) {
    const double dx = q.x - centre.x, dy = q.y - centre.y;
    out.push_back({float(centre.x + scale * (c * dx - s * dy) + shift.x),
                   float(centre.y + scale * (s * dx + c * dy) + shift.y)});
  }
  return out;
}

// ---- face hull ----------------------------------------------------------------------------------------------

TEST(FaceHull, ContainsEveryLandmarkOfBothSetsAndIsConvex) {
  const std::vector<Point2f> a = test::synthetic_landmarks(40, 40, 80);
  // The published outline: rotated, enlarged and moved, so that parts of it lie outside the original's hull.
  const std::vector<Point2f> b = transformed(a, {80, 80}, 20.0, 1.15, {6, -4});
  const std::vector<Point2f> hull = face_hull({a, b});
  ASSERT_GE(hull.size(), 3u);
  const std::vector<cv::Point2f> poly = to_cv(hull);
  EXPECT_TRUE(cv::isContourConvex(poly));
  for (const auto* set : {&a, &b})
    for (const Point2f& p : *set) EXPECT_GE(cv::pointPolygonTest(poly, cv::Point2f(p.x, p.y), true), -1e-3);
  // Not the hull of one set: some point of b is outside a's hull.
  const std::vector<cv::Point2f> only_a = to_cv(face_hull({a}));
  const bool b_sticks_out = std::any_of(b.begin(), b.end(), [&](const Point2f& p) {
    return cv::pointPolygonTest(only_a, cv::Point2f(p.x, p.y), true) < -1.0;
  });
  EXPECT_TRUE(b_sticks_out);
}

TEST(FaceHull, ReachesTheForeheadAlongTheFaceAxis) {
  // Upright face: brows at y = 40 + 0.25 * 80 = 60, eye centres 0.34 * 80 = 27.2 apart, so the hull's top is
  // 0.6 * 27.2 = 16.32 above the brows; the chin (y = 120) stays the bottom.
  const std::vector<Point2f> a = test::synthetic_landmarks(40, 40, 80);
  const std::vector<Point2f> hull = face_hull({a});
  float top = 1e9f, bottom = -1e9f, left = 1e9f;
  for (const Point2f& p : hull) {
    top = std::min(top, p.y);
    bottom = std::max(bottom, p.y);
    left = std::min(left, p.x);
  }
  EXPECT_NEAR(top, 60.0f - kForeheadRise * 27.2f, 1e-3);
  EXPECT_NEAR(bottom, 120.0f, 1e-3);
  EXPECT_NEAR(left, 40.0f, 1e-3);

  // The same face rotated by +90 degrees about (80, 80), (x, y) -> (80 - (y - 80), 80 + (x - 80)): its forehead
  // points to +x, so the hull grows to the right and nothing is added above the landmarks.
  const std::vector<Point2f> r = transformed(a, {80, 80}, 90.0, 1.0);
  const std::vector<Point2f> rhull = face_hull({r});
  float rx = -1e9f, ry0 = 1e9f;
  for (const Point2f& p : rhull) rx = std::max(rx, p.x);
  for (const Point2f& p : r) ry0 = std::min(ry0, p.y);
  // Rotating (x, y) by +90 degrees about (80, 80) maps y = 43.68 (the forehead) to x = 80 + (80 - 43.68).
  EXPECT_NEAR(rx, 80.0f + (80.0f - (60.0f - kForeheadRise * 27.2f)), 1e-3);
  float rtop = 1e9f;
  for (const Point2f& p : rhull) rtop = std::min(rtop, p.y);
  EXPECT_NEAR(rtop, ry0, 1e-3);  // nothing was added above the sideways face
}

TEST(FaceHull, RejectsBadLandmarkSets) {
  const std::vector<Point2f> a = test::synthetic_landmarks(40, 40, 80);
  EXPECT_THROW(face_hull({}), InvalidArgument);
  EXPECT_THROW(face_hull({a, std::vector<Point2f>(a.begin(), a.end() - 1)}), InvalidArgument);
  std::vector<Point2f> nan = a;
  nan[30].y = std::nanf("");
  try {
    face_hull({a, nan});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("landmark set 1"), std::string::npos) << e.what();
  }
}

// A 40x40 image whose pixels are never 128, and a 20x20 square hull.
Image random_image(int h, int w, unsigned seed) {
  std::mt19937 rng(seed);
  Image im(h, w, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        const int v = static_cast<int>(rng() % 255);
        im.at(y, x, c) = static_cast<std::uint8_t>(v < 128 ? v : v + 1);
      }
  return im;
}

TEST(FaceHullMask, MaskOutsideAndFillInsidePartitionThePixels) {
  const Image im = random_image(40, 40, 7);
  const std::vector<Point2f> square = {{10, 10}, {30, 10}, {30, 30}, {10, 30}};
  const Image outside = mask_outside(im, square);
  const Image inside = fill_inside(im, square);
  int inside_count = 0;
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 40; ++x) {
      const bool kept_by_mask = outside.at(y, x, 0) == im.at(y, x, 0);
      for (int c = 0; c < 3; ++c) {
        // Exactly one of the two keeps the pixel; the other made it grey in every channel.
        EXPECT_EQ(outside.at(y, x, c), kept_by_mask ? im.at(y, x, c) : 128) << x << "," << y;
        EXPECT_EQ(inside.at(y, x, c), kept_by_mask ? 128 : im.at(y, x, c)) << x << "," << y;
      }
      // cv::fillPoly's convention: pixels whose centre x + 0.5 lies in [10, 30], boundary inclusive, and the pixel
      // just past the right and bottom sides (centre 30.5): pixels 10..30.
      const bool centre_inside = x >= 10 && x <= 30 && y >= 10 && y <= 30;
      EXPECT_EQ(kept_by_mask, centre_inside) << x << "," << y;
      inside_count += kept_by_mask ? 1 : 0;
    }
  EXPECT_EQ(inside_count, 21 * 21);
}

TEST(FaceHullMask, CustomGreyAndErrors) {
  const Image im = random_image(12, 16, 3);
  const std::vector<Point2f> tri = {{2, 2}, {14, 2}, {8, 10}};
  const Image out = mask_outside(im, tri, 7);
  EXPECT_EQ(out.at(11, 0, 0), 7);
  EXPECT_EQ(out.at(11, 0, 2), 7);
  EXPECT_EQ(out.at(4, 8, 1), im.at(4, 8, 1));
  const Image in = fill_inside(im, tri, 250);
  EXPECT_EQ(in.at(4, 8, 1), 250);
  EXPECT_EQ(in.at(11, 0, 0), im.at(11, 0, 0));
  EXPECT_THROW(mask_outside(im, {{0, 0}, {3, 3}}), InvalidArgument);
  EXPECT_THROW(fill_inside(Image(), tri), InvalidArgument);
  EXPECT_THROW(fill_inside(im, {{0, 0}, {3, std::nanf("")}, {5, 1}}), InvalidArgument);
}

// ---- crop variants ------------------------------------------------------------------------------------------

TEST(CropVariant, NamesAndValues) {
  const std::vector<CropVariant>& v = crop_variants();
  ASSERT_EQ(v.size(), 7u);
  const char* names[] = {"own", "0.85x", "1.25x", "left", "right", "up", "down"};
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i].name, names[i]);
  EXPECT_EQ(v[0].scale, 1.0f);
  EXPECT_EQ(v[0].shift_x, 0.0f);
  EXPECT_FLOAT_EQ(v[1].scale, 0.85f);
  EXPECT_FLOAT_EQ(v[2].scale, 1.25f);
  EXPECT_FLOAT_EQ(v[3].shift_x, -0.05f);
  EXPECT_FLOAT_EQ(v[6].shift_y, 0.05f);
}

TEST(CropVariant, VaryCropNumbers) {
  const PixelRect own{100, 50, 200, 200};  // centre (200, 150)
  const std::vector<CropVariant>& v = crop_variants();
  EXPECT_EQ(vary_crop(own, v[0]), own);
  EXPECT_EQ(vary_crop(own, v[1]), (PixelRect{115, 65, 170, 170}));
  EXPECT_EQ(vary_crop(own, v[2]), (PixelRect{75, 25, 250, 250}));
  EXPECT_EQ(vary_crop(own, v[3]), (PixelRect{90, 50, 200, 200}));
  EXPECT_EQ(vary_crop(own, v[4]), (PixelRect{110, 50, 200, 200}));
  EXPECT_EQ(vary_crop(own, v[5]), (PixelRect{100, 40, 200, 200}));
  EXPECT_EQ(vary_crop(own, v[6]), (PixelRect{100, 60, 200, 200}));
  // Rounding: 1.25 * 101 = 126.25 -> 126; centre 50.5 -> left 50.5 - 63 = -12.5 -> -12 (half up); past the image.
  EXPECT_EQ(vary_crop({0, 0, 101, 101}, v[2]), (PixelRect{-12, -12, 126, 126}));
  // Non-square rect, scaled and shifted together.
  EXPECT_EQ(vary_crop({10, 20, 40, 80}, {"mix", 0.5f, 0.1f, -0.25f}), (PixelRect{22, 30, 20, 40}));
  EXPECT_THROW(vary_crop({0, 0, 0, 5}, v[0]), InvalidArgument);
  EXPECT_THROW(vary_crop(own, {"bad", 0.0f, 0.0f, 0.0f}), InvalidArgument);
  EXPECT_THROW(vary_crop(own, {"bad", 1.0f, std::nanf(""), 0.0f}), InvalidArgument);
}

// ---- bootstrap ------------------------------------------------------------------------------------------------

TEST(Bootstrap, DegenerateRates) {
  const RateInterval ones = bootstrap_rate(std::vector<int>(20, 1), 1000, 3);
  EXPECT_EQ(ones.value, 1.0);
  EXPECT_EQ(ones.lo, 1.0);
  EXPECT_EQ(ones.hi, 1.0);
  const RateInterval zeros = bootstrap_rate(std::vector<int>(20, 0), 1000, 3);
  EXPECT_EQ(zeros.value, 0.0);
  EXPECT_EQ(zeros.lo, 0.0);
  EXPECT_EQ(zeros.hi, 0.0);
  const RateInterval none = bootstrap_rate({}, 1000, 3);
  EXPECT_EQ(none.value, 0.0);
  EXPECT_EQ(none.lo, 0.0);
  EXPECT_EQ(none.hi, 0.0);
}

TEST(Bootstrap, HalfAndHalfIsAPlausibleIntervalAndDeterministic) {
  std::vector<int> hits(20, 0);
  for (int i = 0; i < 10; ++i) hits[2 * i] = 1;
  const RateInterval r = bootstrap_rate(hits, 2000, 42);
  EXPECT_EQ(r.value, 0.5);
  EXPECT_LE(r.lo, 0.5);
  EXPECT_GE(r.hi, 0.5);
  EXPECT_GT(r.lo, 0.2);
  EXPECT_LT(r.hi, 0.8);
  // The normal approximation: +-1.96 sqrt(0.25 / 20) = +-0.22.
  EXPECT_NEAR(r.hi - r.lo, 0.44, 0.1);
  const RateInterval again = bootstrap_rate(hits, 2000, 42);
  EXPECT_EQ(again.lo, r.lo);
  EXPECT_EQ(again.hi, r.hi);
  // Resampling ignores the order of the hits only in distribution, not draw by draw; a rate of 0.25 sits lower.
  std::vector<int> quarter(20, 0);
  for (int i = 0; i < 5; ++i) quarter[i] = 1;
  const RateInterval q = bootstrap_rate(quarter, 2000, 42);
  EXPECT_EQ(q.value, 0.25);
  EXPECT_LT(q.hi, r.hi);
  EXPECT_GE(q.lo, 0.0);
}

TEST(Bootstrap, RejectsBadInput) {
  EXPECT_THROW(bootstrap_rate({0, 1, 2}, 100, 0), InvalidArgument);
  EXPECT_THROW(bootstrap_rate({0, 1}, 0, 0), InvalidArgument);
}

// ---- options and summary on hand-made embeddings --------------------------------------------------------------

TEST(ProtocolOptions, Validate) {
  ProtocolOptions o;
  EXPECT_NO_THROW(o.validate());
  EXPECT_EQ(to_string(AuditProtocol::face), "face");
  EXPECT_EQ(to_string(AuditProtocol::photo), "photo");
  EXPECT_EQ(to_string(AuditProtocol::context_floor), "context_floor");
  o.protocols = {};
  EXPECT_THROW(o.validate(), InvalidArgument);
  o.protocols = {AuditProtocol::face, AuditProtocol::face};
  EXPECT_THROW(o.validate(), InvalidArgument);
  o = ProtocolOptions{};
  o.bootstrap = 0;
  EXPECT_THROW(o.validate(), InvalidArgument);
}

// One face with one auditor and one protocol; embeddings given per variant.
FaceProtocolAudit hand_face(bool published, const std::vector<ProtocolEmbedding>& per_variant,
                            DistanceKind kind = DistanceKind::euclidean, float threshold = 0.5f) {
  FaceProtocolAudit f;
  f.published = published;
  f.protocols = {AuditProtocol::face};
  AuditorEmbeddings a;
  a.auditor = "fake";
  a.distance_kind = kind;
  a.threshold = threshold;
  a.embeddings = {per_variant};
  f.auditors = {a};
  return f;
}

ProtocolOptions face_only(int bootstrap = 500, std::uint64_t seed = 1) {
  ProtocolOptions o;
  o.protocols = {AuditProtocol::face};
  o.bootstrap = bootstrap;
  o.seed = seed;
  return o;
}

TEST(ProtocolSummary, WorstVariantIsTheMaximumOverVariants) {
  // 1-d embeddings: face i's gallery is i. At "right" the probe is the gallery entry (every probe a hit); elsewhere
  // it is i + 0.6, nearer to i + 1 (a miss) except for the last face; i + 0.6 is within rank 2.
  const int n = 5;
  const std::size_t right = 4;
  std::vector<FaceProtocolAudit> faces;
  for (int i = 0; i < n; ++i) {
    std::vector<ProtocolEmbedding> v(crop_variants().size());
    for (std::size_t k = 0; k < v.size(); ++k) {
      v[k].gallery = {float(i)};
      v[k].probe = {k == right ? float(i) : float(i) + 0.6f};
    }
    faces.push_back(hand_face(true, v));
  }
  const ProtocolSummary s = summarize_protocols(faces, face_only());
  ASSERT_EQ(s.results.size(), 1u);
  const ProtocolAuditorSummary& r = s.results[0];
  EXPECT_EQ(r.faces, n);
  EXPECT_EQ(r.gallery, n);
  EXPECT_DOUBLE_EQ(r.chance, 0.2);
  ASSERT_EQ(r.variants.size(), crop_variants().size());
  for (std::size_t k = 0; k < r.variants.size(); ++k) {
    EXPECT_EQ(r.variants[k].variant, crop_variants()[k].name);
    EXPECT_DOUBLE_EQ(r.variants[k].rank1.value, k == right ? 1.0 : 0.2) << k;
    EXPECT_DOUBLE_EQ(r.variants[k].rank5, 1.0) << k;
  }
  EXPECT_EQ(r.worst_variant, "right");
  EXPECT_DOUBLE_EQ(r.worst_rank1.value, 1.0);
  EXPECT_DOUBLE_EQ(r.worst_rank1.lo, 1.0);
  EXPECT_DOUBLE_EQ(r.worst_rank1.hi, 1.0);
  // Verification is at the own crop: distance 0.6 > threshold 0.5 for every probe.
  EXPECT_DOUBLE_EQ(r.verification_rate, 0.0);
  EXPECT_DOUBLE_EQ(r.threshold, 0.5);
}

TEST(ProtocolSummary, MaskedFacesAreInTheGalleryNotProbes) {
  // Face 3 is masked and its gallery entry equals face 0's: face 0's probe ties and misses.
  std::vector<FaceProtocolAudit> faces;
  for (int i = 0; i < 4; ++i) {
    const float g = i == 3 ? 0.0f : float(i);
    std::vector<ProtocolEmbedding> v(crop_variants().size(), ProtocolEmbedding{{g}, {g + 0.1f}});
    if (i == 3) v.assign(v.size(), ProtocolEmbedding{{g}, {}});
    faces.push_back(hand_face(i != 3, v));
  }
  const ProtocolSummary s = summarize_protocols(faces, face_only());
  EXPECT_EQ(s.faces, 4);
  EXPECT_EQ(s.masked, 1);
  EXPECT_DOUBLE_EQ(s.masked_share, 0.25);
  const ProtocolAuditorSummary& r = s.results.at(0);
  EXPECT_EQ(r.faces, 3);
  EXPECT_EQ(r.gallery, 4);
  EXPECT_DOUBLE_EQ(r.chance, 0.25);
  // Face 0's probe 0.1 is nearer to its own entry 0 than to 1, but face 3's entry 0 ties: a miss.
  EXPECT_DOUBLE_EQ(r.variants[0].rank1.value, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.verification_rate, 1.0);
}

// Reference: every distance computed from the definitions, ranks counted over the whole sorted gallery.
double ref_distance(const Embedding& a, const Embedding& b, DistanceKind kind) {
  double dot = 0, na = 0, nb = 0, sq = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
    sq += std::pow(double(a[i]) - b[i], 2);
  }
  return kind == DistanceKind::euclidean ? std::sqrt(sq) : 1.0 - dot / (std::sqrt(na) * std::sqrt(nb));
}

TEST(ProtocolSummary, MatchesASortedReference) {
  const DistanceKind kind = DistanceKind::cosine;
  const int n = 14;
  const std::size_t nv = crop_variants().size();
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<std::vector<Embedding>> gallery(n, std::vector<Embedding>(nv)), probe = gallery;
  std::vector<FaceProtocolAudit> faces;
  for (int i = 0; i < n; ++i) {
    std::vector<ProtocolEmbedding> v(nv);
    for (std::size_t k = 0; k < nv; ++k) {
      Embedding e(4), p(4);
      for (int d = 0; d < 4; ++d) {
        e[d] = g(rng);
        // Noise grows with the variant: some variants identify most faces, others few.
        p[d] = e[d] + (0.3f + 0.25f * float(k)) * g(rng);
      }
      gallery[i][k] = e;
      probe[i][k] = p;
      v[k] = {e, i % 5 == 3 ? Embedding{} : p};
    }
    faces.push_back(hand_face(i % 5 != 3, v, kind, 0.4f));
  }
  // A probe exactly on another face's entry and the own entry duplicated elsewhere: ties.
  faces[1].auditors[0].embeddings[0][0].probe = gallery[2][0];
  faces[4].auditors[0].embeddings[0][0].gallery = gallery[5][0];
  gallery[4][0] = gallery[5][0];

  const ProtocolSummary s = summarize_protocols(faces, face_only(300, 9));
  const ProtocolAuditorSummary& r = s.results.at(0);
  double best = -1.0;
  for (std::size_t k = 0; k < nv; ++k) {
    int probes = 0, rank1 = 0, rank5 = 0, verified = 0;
    for (int i = 0; i < n; ++i) {
      if (!faces[i].published) continue;
      ++probes;
      const Embedding& p = faces[i].auditors[0].embeddings[0][k].probe;
      std::vector<double> others;
      const double own = ref_distance(p, gallery[i][k], kind);
      for (int j = 0; j < n; ++j)
        if (j != i) others.push_back(ref_distance(p, gallery[j][k], kind));
      std::sort(others.begin(), others.end());
      // Rank = 1 + entries at most as far as the own one.
      const auto rank = 1 + (std::upper_bound(others.begin(), others.end(), own) - others.begin());
      rank1 += rank == 1;
      rank5 += rank <= 5;
      if (k == 0) verified += own <= 0.4;
    }
    EXPECT_EQ(r.faces, probes);
    EXPECT_DOUBLE_EQ(r.variants[k].rank1.value, double(rank1) / probes) << k;
    EXPECT_DOUBLE_EQ(r.variants[k].rank5, double(rank5) / probes) << k;
    EXPECT_LE(r.variants[k].rank1.lo, r.variants[k].rank1.value);
    EXPECT_GE(r.variants[k].rank1.hi, r.variants[k].rank1.value);
    if (k == 0) {
      EXPECT_DOUBLE_EQ(r.verification_rate, double(verified) / probes);
    }
    best = std::max(best, double(rank1) / probes);
  }
  EXPECT_DOUBLE_EQ(r.worst_rank1.value, best);
  EXPECT_GT(r.variants[0].rank1.value, r.variants[nv - 1].rank1.value);  // the fixture spreads the variants
  // Every variant and the maximum see the same resampled faces, so the maximum's interval bounds each variant's.
  for (const VariantRates& v : r.variants) {
    EXPECT_GE(r.worst_rank1.lo, v.rank1.lo);
    EXPECT_GE(r.worst_rank1.hi, v.rank1.hi);
  }

  // Same inputs, same bytes.
  const ProtocolSummary again = summarize_protocols(faces, face_only(300, 9));
  for (std::size_t k = 0; k < nv; ++k) {
    EXPECT_EQ(again.results[0].variants[k].rank1.lo, r.variants[k].rank1.lo);
    EXPECT_EQ(again.results[0].variants[k].rank1.hi, r.variants[k].rank1.hi);
  }
  EXPECT_EQ(again.results[0].worst_rank1.lo, r.worst_rank1.lo);
  EXPECT_EQ(again.results[0].worst_rank1.hi, r.worst_rank1.hi);
}

TEST(ProtocolSummary, RejectsInconsistentFaces) {
  std::vector<ProtocolEmbedding> v(crop_variants().size(), ProtocolEmbedding{{0.0f}, {0.0f}});
  std::vector<FaceProtocolAudit> faces = {hand_face(true, v), hand_face(true, v)};
  EXPECT_NO_THROW(summarize_protocols(faces, face_only()));
  auto bad = faces;
  bad[1].auditors[0].auditor = "other";
  EXPECT_THROW(summarize_protocols(bad, face_only()), InvalidArgument);
  bad = faces;
  bad[1].auditors[0].embeddings[0][2].probe = {0.0f, 1.0f};
  EXPECT_THROW(summarize_protocols(bad, face_only()), InvalidArgument);
  bad = faces;
  bad[0].auditors[0].embeddings[0].pop_back();
  EXPECT_THROW(summarize_protocols(bad, face_only()), InvalidArgument);
  ProtocolOptions photo = face_only();
  photo.protocols = {AuditProtocol::photo};
  EXPECT_THROW(summarize_protocols(faces, photo), InvalidArgument);
  const ProtocolSummary empty = summarize_protocols({}, face_only());
  EXPECT_EQ(empty.faces, 0);
  EXPECT_TRUE(empty.results.empty());
}

// ---- whole audits with a fake recogniser -----------------------------------------------------------------------

// Embeds the mean RGB of the crop and the mean RGB of its top-left quadrant (in [0, 1]); euclidean, threshold 0.1;
// crops a square around the landmarks. Counts its calls.
class MeanColourRecognizer : public Recognizer {
 public:
  std::string name() const override { return "meancolour"; }
  int dim() const override { return 6; }
  DistanceKind distance_kind() const override { return DistanceKind::euclidean; }
  float threshold() const override { return 0.1f; }
  PixelRect crop_rect(const Face& face, int, int) const override {
    return landmark_square_crop(face.landmarks, 1.25f);
  }
  std::vector<std::vector<float>> embed(const std::vector<Image>& crops) const override {
    ++calls;
    crops_seen += static_cast<int>(crops.size());
    std::vector<std::vector<float>> out;
    for (const Image& c : crops) {
      std::vector<float> e(6, 0.0f);
      const int qh = std::max(1, c.height() / 2), qw = std::max(1, c.width() / 2);
      for (int y = 0; y < c.height(); ++y)
        for (int x = 0; x < c.width(); ++x)
          for (int k = 0; k < 3; ++k) {
            e[k] += c.at(y, x, k);
            if (y < qh && x < qw) e[3 + k] += c.at(y, x, k);
          }
      for (int k = 0; k < 3; ++k) {
        e[k] /= 255.0f * c.height() * c.width();
        e[3 + k] /= 255.0f * qh * qw;
      }
      out.push_back(e);
    }
    return out;
  }
  mutable std::atomic<int> calls{0};
  mutable std::atomic<int> crops_seen{0};
};

struct Scene {
  Image image;
  Face face;
};

// Face i: a skin-coloured head (similar tones, each its own) with dark eyes on a saturated background (very
// different between faces), at a slightly different place; landmarks are the template scaled to the head.
Scene make_scene(int i) {
  static const cv::Scalar backgrounds[] = {{230, 30, 30}, {30, 230, 30}, {30, 30, 230},
                                           {230, 230, 30}, {30, 230, 230}, {230, 30, 230}};
  const float x0 = 30.0f + 3.0f * i, y0 = 25.0f + 2.0f * i, size = 80.0f;
  cv::Mat m(160, 160, CV_8UC3, backgrounds[i % 6]);
  const cv::Scalar skin(200 - 6 * i, 150 + 5 * i, 120 + 3 * i);
  cv::ellipse(m, cv::Point(int(x0 + 40), int(y0 + 52)), cv::Size(38, 46), 0, 0, 360, skin, cv::FILLED);
  Scene s;
  s.face.landmarks = test::synthetic_landmarks(x0, y0, size);
  for (int e : {36, 42}) {
    Point2f c{};
    for (int k = e; k < e + 6; ++k) c = {c.x + s.face.landmarks[k].x / 6, c.y + s.face.landmarks[k].y / 6};
    cv::circle(m, cv::Point(int(c.x), int(c.y)), 4, cv::Scalar(20, 20, 20), cv::FILLED);
  }
  s.face.box = {x0, y0, size, size};
  s.face.score = 1.0f;
  s.image = Image(160, 160, 3, std::vector<std::uint8_t>(m.data, m.data + m.total() * 3));
  return s;
}

// The six scenes audited, each published as `publish` makes it from the scene.
template <class Publish>
std::vector<FaceProtocolAudit> audit_scenes(const ProtocolAuditor& auditor, Publish publish) {
  std::vector<FaceProtocolAudit> faces;
  for (int i = 0; i < 6; ++i) {
    const Scene s = make_scene(i);
    faces.push_back(auditor.audit_face(s.image, publish(s), s.face, s.face.landmarks));
  }
  return faces;
}

const ProtocolAuditorSummary& result(const ProtocolSummary& s, AuditProtocol p) {
  for (const ProtocolAuditorSummary& r : s.results)
    if (r.protocol == p) return r;
  throw std::runtime_error("no result for " + to_string(p));
}

TEST(ProtocolAuditor, RejectsBadAuditorsAndInputs) {
  using Auditors = std::vector<const Recognizer*>;
  EXPECT_THROW(ProtocolAuditor(Auditors{}), InvalidArgument);
  EXPECT_THROW(ProtocolAuditor(Auditors{nullptr}), InvalidArgument);
  MeanColourRecognizer rec;
  ProtocolOptions bad;
  bad.bootstrap = -1;
  EXPECT_THROW(ProtocolAuditor({&rec}, bad), InvalidArgument);
  const ProtocolAuditor auditor({&rec});
  const Scene s = make_scene(0);
  EXPECT_THROW(auditor.audit_face(s.image, Image(10, 10, 3), s.face, {}), InvalidArgument);
  Face no_landmarks = s.face;
  no_landmarks.landmarks.resize(5);
  EXPECT_THROW(auditor.audit_face(s.image, s.image, no_landmarks, {}), InvalidArgument);
  EXPECT_THROW(auditor.audit_face(s.image, s.image, s.face, {{1, 1}}), InvalidArgument);
}

TEST(ProtocolAuditor, OneEmbedCallPerAuditorAndTheRightShapes) {
  MeanColourRecognizer a, b;
  const ProtocolAuditor auditor({&a, &b});
  const Scene s = make_scene(1);
  const FaceProtocolAudit f = auditor.audit_face(s.image, s.image, s.face, s.face.landmarks);
  EXPECT_EQ(a.calls.load(), 1);
  EXPECT_EQ(b.calls.load(), 1);
  // Five source images (O, P, O and P masked outside the hull, O filled inside) at 7 variants.
  EXPECT_EQ(a.crops_seen.load(), 35);
  EXPECT_TRUE(f.published);
  ASSERT_EQ(f.auditors.size(), 2u);
  ASSERT_EQ(f.protocols.size(), 3u);
  for (const AuditorEmbeddings& e : f.auditors) {
    EXPECT_EQ(e.auditor, "meancolour");
    EXPECT_FLOAT_EQ(e.threshold, 0.1f);
    ASSERT_EQ(e.embeddings.size(), 3u);
    for (const auto& row : e.embeddings) {
      ASSERT_EQ(row.size(), crop_variants().size());
      for (const ProtocolEmbedding& pe : row) {
        EXPECT_EQ(pe.gallery.size(), 6u);
        EXPECT_EQ(pe.probe.size(), 6u);
      }
    }
    // photo and context_floor share the original's gallery; the face gallery is masked, hence different.
    EXPECT_EQ(e.embeddings[1][0].gallery, e.embeddings[2][0].gallery);
    EXPECT_NE(e.embeddings[0][0].gallery, e.embeddings[1][0].gallery);
    // The crop variants see different pixels.
    EXPECT_NE(e.embeddings[1][0].gallery, e.embeddings[1][2].gallery);
  }
  // A masked face: only the gallery side (O and O masked outside the hull).
  const FaceProtocolAudit m = auditor.audit_face(s.image, s.image, s.face, {}, false);
  EXPECT_EQ(a.calls.load(), 2);
  EXPECT_EQ(a.crops_seen.load(), 35 + 14);
  EXPECT_FALSE(m.published);
  for (const auto& row : m.auditors[0].embeddings)
    for (const ProtocolEmbedding& pe : row) {
      EXPECT_EQ(pe.gallery.size(), 6u);
      EXPECT_TRUE(pe.probe.empty());
    }
}

TEST(ProtocolAudit, UnchangedFacesAreIdentifiedAtEveryVariant) {
  MeanColourRecognizer rec;
  const ProtocolAuditor auditor({&rec});
  std::vector<FaceProtocolAudit> faces = audit_scenes(auditor, [](const Scene& s) { return s.image; });
  const ProtocolSummary sum = summarize_protocols(faces, auditor.options());
  ASSERT_EQ(sum.results.size(), 3u);
  EXPECT_EQ(sum.masked, 0);
  for (AuditProtocol p : {AuditProtocol::face, AuditProtocol::photo}) {
    const ProtocolAuditorSummary& r = result(sum, p);
    EXPECT_EQ(r.faces, 6);
    EXPECT_EQ(r.gallery, 6);
    EXPECT_DOUBLE_EQ(r.chance, 1.0 / 6.0);
    for (const VariantRates& v : r.variants) {
      EXPECT_DOUBLE_EQ(v.rank1.value, 1.0) << to_string(p) << " " << v.variant;
      EXPECT_DOUBLE_EQ(v.rank1.lo, 1.0);
      EXPECT_DOUBLE_EQ(v.rank5, 1.0);
    }
    EXPECT_DOUBLE_EQ(r.worst_rank1.value, 1.0);
    EXPECT_EQ(r.worst_variant, "own");  // the first on ties
    EXPECT_DOUBLE_EQ(r.verification_rate, 1.0);
  }
}

TEST(ProtocolAudit, FilledFaceIsAtChanceUnderFaceButContextStillIdentifies) {
  MeanColourRecognizer rec;
  const ProtocolAuditor auditor({&rec});
  const std::vector<FaceProtocolAudit> faces = audit_scenes(
      auditor, [](const Scene& s) { return fill_inside(s.image, face_hull({s.face.landmarks, s.face.landmarks})); });
  const ProtocolSummary sum = summarize_protocols(faces, auditor.options());
  const ProtocolAuditorSummary& face = result(sum, AuditProtocol::face);
  const ProtocolAuditorSummary& photo = result(sum, AuditProtocol::photo);
  const ProtocolAuditorSummary& floor = result(sum, AuditProtocol::context_floor);
  for (std::size_t k = 0; k < crop_variants().size(); ++k) {
    // Every face probe is the same flat grey crop: at most one face can be strictly nearest its own entry.
    EXPECT_LE(face.variants[k].rank1.value, face.chance + 1e-12) << face.variants[k].variant;
    // The published photo is exactly the context floor's probe, and the backgrounds give the faces away.
    EXPECT_EQ(photo.variants[k].rank1.value, floor.variants[k].rank1.value);
    EXPECT_GT(floor.variants[k].rank1.value, floor.chance) << floor.variants[k].variant;
  }
  EXPECT_LE(face.worst_rank1.value, face.chance + 1e-12);
  EXPECT_GE(floor.worst_rank1.value, 0.5);
}

TEST(ProtocolAudit, MaskedFaceIsInTheGalleryButNotAProbe) {
  MeanColourRecognizer rec;
  const ProtocolAuditor auditor({&rec});
  std::vector<FaceProtocolAudit> faces = audit_scenes(auditor, [](const Scene& s) { return s.image; });
  // A second photo identical to face 0's, masked: its original sits in the gallery as a twin of face 0.
  const Scene twin = make_scene(0);
  faces.push_back(auditor.audit_face(twin.image, fill_inside(twin.image, face_hull({twin.face.landmarks})),
                                     twin.face, {}, false));
  const ProtocolSummary sum = summarize_protocols(faces, auditor.options());
  EXPECT_EQ(sum.faces, 7);
  EXPECT_EQ(sum.masked, 1);
  EXPECT_DOUBLE_EQ(sum.masked_share, 1.0 / 7.0);
  for (AuditProtocol p : {AuditProtocol::face, AuditProtocol::photo}) {
    const ProtocolAuditorSummary& r = result(sum, p);
    EXPECT_EQ(r.faces, 6);
    EXPECT_EQ(r.gallery, 7);
    EXPECT_DOUBLE_EQ(r.chance, 1.0 / 7.0);
    for (const VariantRates& v : r.variants) {
      // Face 0 ties with its twin and misses; the others are found.
      EXPECT_DOUBLE_EQ(v.rank1.value, 5.0 / 6.0) << to_string(p) << " " << v.variant;
      EXPECT_DOUBLE_EQ(v.rank5, 1.0);
    }
  }
}

TEST(ProtocolAudit, PublishedOutlineWidensTheHullOnBothSides) {
  // The published landmarks moved: the face protocol masks both sides with the union hull, so the original side
  // keeps more of the image than with the original landmarks alone.
  MeanColourRecognizer rec;
  ProtocolOptions o;
  o.protocols = {AuditProtocol::face};
  const ProtocolAuditor auditor({&rec}, o);
  const Scene s = make_scene(2);
  const std::vector<Point2f> moved = transformed(s.face.landmarks, {90, 90}, 0.0, 1.0, {8, 0});
  const FaceProtocolAudit same = auditor.audit_face(s.image, s.image, s.face, s.face.landmarks);
  const FaceProtocolAudit wide = auditor.audit_face(s.image, s.image, s.face, moved);
  const Image expected = mask_outside(s.image, face_hull({s.face.landmarks, moved}));
  const PixelRect own = rec.crop_rect(s.face, 160, 160);
  EXPECT_EQ(wide.auditors[0].embeddings[0][0].gallery, rec.embed({crop_with_padding(expected, own)})[0]);
  EXPECT_NE(wide.auditors[0].embeddings[0][0].gallery, same.auditors[0].embeddings[0][0].gallery);
  // Published = original: both sides are masked identically.
  EXPECT_EQ(wide.auditors[0].embeddings[0][3].gallery, wide.auditors[0].embeddings[0][3].probe);
}

}  // namespace
}  // namespace ferguard
