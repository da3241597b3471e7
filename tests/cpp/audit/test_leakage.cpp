// The run summary against a naive reference (full distance lists ranked with std::sort) and hand-made cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "ferguard/audit/leakage.h"
#include "ferguard/error.h"

namespace ferguard {
namespace {

using Embedding = std::vector<float>;

AuditResult audit(const std::string& name, DistanceKind kind, Embedding original, Embedding priv,
                  float threshold = 1.0f) {
  AuditResult a;
  a.auditor = name;
  a.distance_kind = kind;
  a.threshold = threshold;
  a.original_embedding = std::move(original);
  a.private_embedding = std::move(priv);
  return a;
}

ExpressionScores scores(std::initializer_list<float> p) {
  ExpressionScores s;
  std::copy(p.begin(), p.end(), s.probs.begin());
  return s;
}

ExpressionScores one_hot(int k, float peak = 0.9f) {
  ExpressionScores s;
  s.probs.fill((1.0f - peak) / (kNumExpressions - 1));
  s.probs[k] = peak;
  return s;
}

FaceRecord record(std::vector<AuditResult> audits) {
  FaceRecord r;
  r.audits = std::move(audits);
  r.original_expression = one_hot(0);
  r.private_expression = one_hot(0);
  return r;
}

// Reference distance written from the definitions: cosine through explicitly normalised vectors.
double ref_distance(const Embedding& a, const Embedding& b, DistanceKind kind) {
  if (kind == DistanceKind::euclidean) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += std::pow(double(a[i]) - double(b[i]), 2);
    return std::sqrt(s);
  }
  auto norm = [](const Embedding& v) {
    double s = 0;
    for (float x : v) s += double(x) * x;
    return std::sqrt(s);
  };
  const double na = norm(a), nb = norm(b);
  double c = 0;
  for (std::size_t i = 0; i < a.size(); ++i) c += (a[i] / na) * (b[i] / nb);
  return 1.0 - c;
}

// Reference rank-1: rank the whole gallery with std::sort; a hit needs the own entry first and strictly ahead of the
// second.
double ref_rank1(const std::vector<Embedding>& probes, const std::vector<Embedding>& gallery, DistanceKind kind) {
  int hits = 0;
  for (std::size_t i = 0; i < probes.size(); ++i) {
    std::vector<std::pair<double, std::size_t>> ranked;
    for (std::size_t j = 0; j < gallery.size(); ++j) ranked.push_back({ref_distance(probes[i], gallery[j], kind), j});
    std::sort(ranked.begin(), ranked.end());
    const bool unique_first = ranked.size() < 2 || ranked[0].first < ranked[1].first;
    if (ranked[0].second == i && unique_first) ++hits;
  }
  return double(hits) / probes.size();
}

TEST(RunSummary, MatchesNaiveReferenceOnRandomEmbeddings) {
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (DistanceKind kind : {DistanceKind::euclidean, DistanceKind::cosine}) {
    for (float noise : {0.3f, 1.0f, 3.0f}) {
      const int n = 40, dim = 16;
      std::vector<Embedding> orig(n), priv(n);
      std::vector<FaceRecord> faces;
      int matches = 0;
      double distance = 0;
      for (int i = 0; i < n; ++i) {
        for (int d = 0; d < dim; ++d) {
          orig[i].push_back(g(rng));
          priv[i].push_back(orig[i].back() + noise * g(rng));
        }
        AuditResult a = audit("x", kind, orig[i], priv[i], 4.0f);
        a.distance = static_cast<float>(ref_distance(orig[i], priv[i], kind));
        a.match = a.distance <= a.threshold;
        matches += a.match;
        distance += a.distance;
        faces.push_back(record({a}));
      }
      const RunSummary s = summarize(faces);
      ASSERT_EQ(s.auditors.size(), 1u);
      const AuditorSummary& r = s.auditors[0];
      const double r1p = ref_rank1(priv, orig, kind), r1o = ref_rank1(orig, orig, kind);
      EXPECT_DOUBLE_EQ(r.rank1_private, r1p) << "noise " << noise;
      EXPECT_DOUBLE_EQ(r.rank1_original, r1o);
      EXPECT_EQ(r.faces, n);
      EXPECT_DOUBLE_EQ(r.chance, 1.0 / n);
      EXPECT_NEAR(r.leakage_ratio, (r1p - 1.0 / n) / (r1o - 1.0 / n), 1e-12);
      EXPECT_DOUBLE_EQ(r.verification_rate, double(matches) / n);
      EXPECT_NEAR(r.mean_distance, distance / n, 1e-6);
      EXPECT_FLOAT_EQ(r.threshold, 4.0f);
      if (noise == 0.3f) EXPECT_GT(r1p, 0.8);  // the test would be vacuous if every case gave 0 or 1
      if (noise == 3.0f) EXPECT_LT(r1p, 0.5);
    }
  }
}

TEST(RunSummary, EquidistantProbeIsAMiss) {
  // Probe 0 lies exactly between originals 0 and 1; probe 1 is nearest to its own original.
  std::vector<FaceRecord> faces = {
      record({audit("a", DistanceKind::euclidean, {0, 0}, {1, 0})}),
      record({audit("a", DistanceKind::euclidean, {2, 0}, {2, 0.5f})}),
      record({audit("a", DistanceKind::euclidean, {0, 9}, {0, 9})}),
  };
  const RunSummary s = summarize(faces);
  EXPECT_DOUBLE_EQ(s.auditors[0].rank1_private, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.auditors[0].rank1_original, 1.0);
}

TEST(RunSummary, DuplicateOriginalsAreNotIdentified) {
  // Two identical originals: neither can be singled out, even as its own probe.
  std::vector<FaceRecord> faces = {
      record({audit("a", DistanceKind::euclidean, {1, 1}, {1, 1})}),
      record({audit("a", DistanceKind::euclidean, {1, 1}, {1, 1})}),
      record({audit("a", DistanceKind::euclidean, {5, 5}, {5, 5})}),
  };
  const RunSummary s = summarize(faces);
  EXPECT_DOUBLE_EQ(s.auditors[0].rank1_original, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.auditors[0].rank1_private, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.auditors[0].leakage_ratio, 0.0);  // rank1_original == chance: no spread to measure against
}

TEST(RunSummary, PermutedGalleryGivesZeroRank1) {
  // Each privatized face is a copy of the next face's original: always identified as someone else.
  const std::vector<Embedding> orig = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}};
  std::vector<FaceRecord> faces;
  for (std::size_t i = 0; i < orig.size(); ++i)
    faces.push_back(record({audit("a", DistanceKind::euclidean, orig[i], orig[(i + 1) % orig.size()])}));
  const RunSummary s = summarize(faces);
  EXPECT_DOUBLE_EQ(s.auditors[0].rank1_private, 0.0);
  EXPECT_DOUBLE_EQ(s.auditors[0].rank1_original, 1.0);
  EXPECT_DOUBLE_EQ(s.auditors[0].chance, 0.25);
  EXPECT_NEAR(s.auditors[0].leakage_ratio, (0.0 - 0.25) / 0.75, 1e-12);
}

TEST(RunSummary, CosineAndEuclideanCanDisagree) {
  // Probe 0 = (10, 0): euclidean-nearest to original 1 = (3, 0.3), but same direction as original 0 = (1, 0).
  auto faces_for = [](DistanceKind kind) {
    return std::vector<FaceRecord>{
        record({audit("a", kind, {1, 0}, {10, 0})}),
        record({audit("a", kind, {3, 0.3f}, {3, 0.3f})}),
    };
  };
  EXPECT_DOUBLE_EQ(summarize(faces_for(DistanceKind::cosine)).auditors[0].rank1_private, 1.0);
  EXPECT_DOUBLE_EQ(summarize(faces_for(DistanceKind::euclidean)).auditors[0].rank1_private, 0.5);
}

TEST(RunSummary, MaskedFacesAreCountedNotRated) {
  std::vector<FaceRecord> faces = {
      record({audit("a", DistanceKind::euclidean, {0, 0}, {0, 0})}),
      record({audit("a", DistanceKind::euclidean, {5, 0}, {5, 0})}),
  };
  FaceRecord masked;  // no audits at all: never privatized
  masked.privatized = false;
  masked.original_expression = one_hot(1);
  masked.private_expression = one_hot(2);
  masked.seconds = 3.0;
  faces.push_back(masked);
  faces[0].seconds = 1.0;
  faces[1].seconds = 2.0;
  const RunSummary s = summarize(faces);
  EXPECT_EQ(s.faces, 3);
  EXPECT_EQ(s.masked, 1);
  EXPECT_EQ(s.auditors[0].faces, 2);
  EXPECT_DOUBLE_EQ(s.agreement, 1.0);
  EXPECT_DOUBLE_EQ(s.seconds_per_face, 2.0);
}

TEST(RunSummary, AgreementAndKlDivergence) {
  std::vector<FaceRecord> faces;
  const ExpressionScores p = scores({0.5f, 0.3f, 0.2f, 0, 0, 0, 0});
  const ExpressionScores q = scores({0.2f, 0.6f, 0.2f, 0, 0, 0, 0});
  FaceRecord a = record({audit("x", DistanceKind::euclidean, {0}, {0})});
  a.original_expression = p;
  a.private_expression = q;  // label changes: neutral -> happy
  FaceRecord b = record({audit("x", DistanceKind::euclidean, {1}, {1})});
  b.original_expression = p;
  b.private_expression = p;  // same
  b.has_second = true;
  b.second_original = one_hot(3);
  b.second_private = one_hot(4);
  faces = {a, b};
  const RunSummary s = summarize(faces);
  EXPECT_DOUBLE_EQ(s.agreement, 0.5);
  EXPECT_DOUBLE_EQ(s.second_agreement, 0.0);  // only face b ran the second model, and it disagrees
  // On face b's original the models read neutral (p) and angry (one_hot(3)): they disagree.
  EXPECT_DOUBLE_EQ(s.models_agree, 0.0);
  FaceRecord c = b;
  c.second_original = one_hot(0);  // neutral, as ferguard's model
  faces.push_back(c);
  const RunSummary u = summarize(faces);
  EXPECT_DOUBLE_EQ(u.models_agree, 0.5);
  EXPECT_DOUBLE_EQ(u.models_agree_interval.value, 0.5);
  EXPECT_LE(u.models_agree_interval.lo, 0.5);
  EXPECT_GE(u.models_agree_interval.hi, 0.5);
  faces.pop_back();
  // KL(p||q) with the zero entries floored at 1e-7 on both sides (they contribute 1e-7 * log(1) = 0).
  const double kl = 0.5 * std::log(0.5 / 0.2) + 0.3 * std::log(0.3 / 0.6) + 0.2 * std::log(1.0);
  EXPECT_NEAR(s.mean_kl, kl / 2, 1e-6);
  // A zero in the privatized distribution where the original has mass stays finite through the floor.
  faces[1].private_expression = scores({0, 0.5f, 0.5f, 0, 0, 0, 0});
  const RunSummary t = summarize(faces);
  EXPECT_TRUE(std::isfinite(t.mean_kl));
  EXPECT_GT(t.mean_kl, 0.5 * std::log(0.5 / 1e-7) / 2 - 1.0);
}

TEST(RunSummary, NoSecondModelGivesMinusOne) {
  const RunSummary s = summarize({record({audit("x", DistanceKind::euclidean, {0}, {0})})});
  EXPECT_DOUBLE_EQ(s.second_agreement, -1.0);
  EXPECT_DOUBLE_EQ(s.models_agree, -1.0);
  EXPECT_DOUBLE_EQ(s.auditors[0].leakage_ratio, 0.0);  // one face: no ratio
  EXPECT_DOUBLE_EQ(s.auditors[0].chance, 1.0);
}

TEST(RunSummary, EmptyRunAndOnlyMaskedFaces) {
  const RunSummary empty = summarize({});
  EXPECT_EQ(empty.faces, 0);
  EXPECT_TRUE(empty.auditors.empty());
  FaceRecord masked;
  masked.privatized = false;
  const RunSummary s = summarize({masked, masked});
  EXPECT_EQ(s.faces, 2);
  EXPECT_EQ(s.masked, 2);
  EXPECT_TRUE(s.auditors.empty());
}

TEST(RunSummary, SeveralAuditorsKeepTheirOrder) {
  std::vector<FaceRecord> faces;
  for (int i = 0; i < 3; ++i)
    faces.push_back(record({audit("faceres", DistanceKind::euclidean, {float(i)}, {float(i)}),
                            audit("mobileface", DistanceKind::cosine, {1, float(i)}, {float(i), 1})}));
  const RunSummary s = summarize(faces);
  ASSERT_EQ(s.auditors.size(), 2u);
  EXPECT_EQ(s.auditors[0].auditor, "faceres");
  EXPECT_EQ(s.auditors[1].auditor, "mobileface");
  EXPECT_DOUBLE_EQ(s.auditors[0].rank1_private, 1.0);
}

TEST(RunSummary, InconsistentAuditorsAreTypedErrors) {
  auto ok = [] { return record({audit("a", DistanceKind::euclidean, {0, 0}, {0, 0})}); };
  auto message = [](const std::vector<FaceRecord>& faces) -> std::string {
    try {
      summarize(faces);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message({ok(), record({audit("b", DistanceKind::euclidean, {0, 0}, {0, 0})})}).find("'b'"),
            std::string::npos);
  EXPECT_NE(message({ok(), record({})}).find("auditor"), std::string::npos);
  EXPECT_NE(message({ok(), record({audit("a", DistanceKind::euclidean, {0, 0, 0}, {0, 0, 0})})}).find("length"),
            std::string::npos);
  EXPECT_NE(message({ok(), record({audit("a", DistanceKind::euclidean, {0, 0}, {0})})}).find("length"),
            std::string::npos);
  EXPECT_NE(message({ok(), record({audit("a", DistanceKind::cosine, {0, 0}, {0, 0})})}).find("distance kind"),
            std::string::npos);
  EXPECT_NE(message({record({audit("a", DistanceKind::euclidean, {}, {})})}).find("embedding"), std::string::npos);
  // A masked face with other auditors does not matter: it is not rated.
  FaceRecord masked = record({});
  masked.privatized = false;
  EXPECT_EQ(message({ok(), masked}), "");
}

}  // namespace
}  // namespace ferguard
