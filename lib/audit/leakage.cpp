// Per-face and per-run identity leakage.
#include "ferguard/audit/leakage.h"

#include <algorithm>
#include <cmath>

#include "audit/distance.h"
#include "detail/check.h"

namespace ferguard {

float face_leakage(float distance, float threshold) {
  FERGUARD_CHECK(threshold > 0.0f, "face_leakage: expected threshold > 0, got {}", threshold);
  return std::clamp(1.0f - distance / (2.0f * threshold), 0.0f, 1.0f);
}

namespace {

constexpr int kBootstrap = 1000;

// Fraction of probes whose own gallery entry is strictly nearer than every other entry. A tie is a miss: the
// auditor could not single the face out, and a NaN distance never counts as a hit.
double rank1_rate(const std::vector<const std::vector<float>*>& probes,
                  const std::vector<const std::vector<float>*>& gallery, DistanceKind kind) {
  const std::size_t n = probes.size();
  if (n == 0) return 0.0;
  std::size_t hits = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (detail::rank_competitors(*probes[i], gallery, i, kind, 1) == 0) ++hits;
  return static_cast<double>(hits) / static_cast<double>(n);
}


// Every privatized face must carry the reference face's auditors, in order, with one distance kind, one threshold
// and one embedding length per auditor.
void check_consistent(const std::vector<FaceRecord>& faces, const std::vector<std::size_t>& rated) {
  const FaceRecord& ref = faces[rated.front()];
  for (std::size_t k = 0; k < ref.audits.size(); ++k) {
    const AuditResult& a = ref.audits[k];
    FERGUARD_CHECK(!a.original_embedding.empty(),
                   "summarize: face {} auditor '{}': no original embedding (the run summary needs the embeddings)",
                   rated.front(), a.auditor);
  }
  for (std::size_t i : rated) {
    const FaceRecord& f = faces[i];
    FERGUARD_CHECK(f.audits.size() == ref.audits.size(), "summarize: face {} has {} auditor(s), face {} has {}", i,
                   f.audits.size(), rated.front(), ref.audits.size());
    for (std::size_t k = 0; k < ref.audits.size(); ++k) {
      const AuditResult& a = f.audits[k];
      const AuditResult& r = ref.audits[k];
      FERGUARD_CHECK(a.auditor == r.auditor, "summarize: face {} auditor {} is '{}', expected '{}' (same order on every face)",
                     i, k, a.auditor, r.auditor);
      FERGUARD_CHECK(a.distance_kind == r.distance_kind, "summarize: face {} auditor '{}': distance kind differs from face {}",
                     i, a.auditor, rated.front());
      FERGUARD_CHECK(a.threshold == r.threshold, "summarize: face {} auditor '{}': threshold {} differs from {}", i,
                     a.auditor, a.threshold, r.threshold);
      const std::size_t dim = r.original_embedding.size();
      FERGUARD_CHECK(a.original_embedding.size() == dim && a.private_embedding.size() == dim,
                     "summarize: face {} auditor '{}': embeddings of length {} (original) and {} (private), expected {}",
                     i, a.auditor, a.original_embedding.size(), a.private_embedding.size(), dim);
    }
  }
}

AuditorSummary summarize_auditor(const std::vector<FaceRecord>& faces, const std::vector<std::size_t>& rated,
                                 std::size_t k) {
  const AuditResult& ref = faces[rated.front()].audits[k];
  AuditorSummary s;
  s.auditor = ref.auditor;
  s.threshold = ref.threshold;
  s.faces = static_cast<int>(rated.size());
  s.chance = 1.0 / s.faces;
  std::vector<const std::vector<float>*> originals, privates;
  double distance = 0.0;
  int matches = 0;
  for (std::size_t i : rated) {
    const AuditResult& a = faces[i].audits[k];
    originals.push_back(&a.original_embedding);
    privates.push_back(&a.private_embedding);
    distance += a.distance;
    matches += a.match ? 1 : 0;
  }
  s.mean_distance = distance / s.faces;
  s.verification_rate = static_cast<double>(matches) / s.faces;
  s.rank1_original = rank1_rate(originals, originals, ref.distance_kind);
  s.rank1_private = rank1_rate(privates, originals, ref.distance_kind);
  // With one face every probe is trivially "identified"; the ratio only means something against >= 2 identities and
  // an auditor that identifies originals better than chance.
  const double spread = s.rank1_original - s.chance;
  s.leakage_ratio = (s.faces >= 2 && spread > 0) ? (s.rank1_private - s.chance) / spread : 0.0;
  return s;
}

}  // namespace

RunSummary summarize(const std::vector<FaceRecord>& faces) {
  RunSummary s;
  s.faces = static_cast<int>(faces.size());
  std::vector<std::size_t> rated;
  double seconds = 0.0;
  for (std::size_t i = 0; i < faces.size(); ++i) {
    seconds += faces[i].seconds;
    if (faces[i].privatized) {
      rated.push_back(i);
    } else {
      ++s.masked;
    }
  }
  if (!faces.empty()) {
    s.seconds_per_face = seconds / static_cast<double>(faces.size());
    double audit = 0.0;
    for (const FaceRecord& f : faces) audit += f.audit_seconds;
    s.audit_seconds_per_face = audit / static_cast<double>(faces.size());
    s.masked_share = static_cast<double>(s.masked) / static_cast<double>(faces.size());
  }
  std::vector<FaceProtocolAudit> audited;
  for (const FaceRecord& f : faces)
    if (!f.protocol.auditors.empty()) audited.push_back(f.protocol);
  if (!audited.empty()) {
    ProtocolOptions po;
    po.protocols = audited.front().protocols;
    s.protocols = summarize_protocols(audited, po);
  }
  if (rated.empty()) return s;

  check_consistent(faces, rated);
  for (std::size_t k = 0; k < faces[rated.front()].audits.size(); ++k)
    s.auditors.push_back(summarize_auditor(faces, rated, k));

  int agree = 0, second_faces = 0, second_agree = 0;
  double kl = 0.0;
  for (std::size_t i : rated) {
    const FaceRecord& f = faces[i];
    agree += f.original_expression.label() == f.private_expression.label() ? 1 : 0;
    kl += detail::expression_kl(f.original_expression, f.private_expression);
    if (f.has_second) {
      ++second_faces;
      second_agree += f.second_original.label() == f.second_private.label() ? 1 : 0;
    }
  }
  const double n = static_cast<double>(rated.size());
  s.agreement = agree / n;
  s.agreement_all = agree / static_cast<double>(faces.size());
  if (second_faces > 0) s.second_agreement_all = static_cast<double>(second_agree) / static_cast<double>(faces.size());
  {
    // Over all faces, a masked face counting as a disagreement.
    std::vector<int> hits(faces.size(), 0), second_hits(faces.size(), 0);
    for (std::size_t i : rated) {
      hits[i] = faces[i].original_expression.label() == faces[i].private_expression.label();
      second_hits[i] = faces[i].has_second && faces[i].second_original.label() == faces[i].second_private.label();
    }
    s.agreement_interval = bootstrap_rate(hits, kBootstrap, 1);
    if (second_faces > 0) s.second_agreement_interval = bootstrap_rate(second_hits, kBootstrap, 2);
  }
  {
    // The two models on the originals, over the faces that ran both.
    std::vector<int> same;
    for (std::size_t i : rated)
      if (faces[i].has_second)
        same.push_back(faces[i].original_expression.label() == faces[i].second_original.label() ? 1 : 0);
    if (!same.empty()) {
      s.models_agree_interval = bootstrap_rate(same, kBootstrap, 3);
      s.models_agree = s.models_agree_interval.value;
    }
  }
  int checked = 0, redetected = 0, landmarks = 0, colour = 0, natural = 0;
  for (std::size_t i : rated) {
    const FaceRecord& f = faces[i];
    if (!f.has_naturalness) continue;
    ++checked;
    redetected += f.naturalness.redetected;
    landmarks += f.naturalness.landmarks_ok;
    colour += f.naturalness.colour_ok;
    natural += f.naturalness.ok();
  }
  if (checked > 0) {
    s.redetected = double(redetected) / checked;
    s.landmarks_ok = double(landmarks) / checked;
    s.colour_ok = double(colour) / checked;
    s.natural = double(natural) / checked;
  }
  s.mean_kl = kl / n;
  if (second_faces > 0) s.second_agreement = static_cast<double>(second_agree) / second_faces;
  return s;
}

}  // namespace ferguard
