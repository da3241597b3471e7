#pragma once
// Embedding distances and ranks shared by the run summary (leakage.cpp), the protocol summary (protocols.cpp) and the
// audit's summary (audit_summary.cpp), so that all of them rank faces exactly as the auditor compares them; and the
// expression divergence they all report.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/model/recognizer.h"

namespace ferguard::detail {

/// "euclidean" or "cosine", as the reports write a distance kind.
inline const char* distance_kind_name(DistanceKind kind) {
  return kind == DistanceKind::euclidean ? "euclidean" : "cosine";
}

/// KL(p || q) in nats over the 7 expressions, each probability floored at 1e-7 so that a zero does not make it
/// infinite.
inline double expression_kl(const ExpressionScores& p, const ExpressionScores& q) {
  constexpr double kProbabilityFloor = 1e-7;
  double kl = 0.0;
  for (int k = 0; k < kNumExpressions; ++k) {
    const double a = std::max<double>(p.probs[k], kProbabilityFloor);
    const double b = std::max<double>(q.probs[k], kProbabilityFloor);
    kl += a * std::log(a / b);
  }
  return kl;
}

/// The same arithmetic as Recognizer::distance (double accumulation). `a` and `b` must have the same length.
inline double embedding_distance(const std::vector<float>& a, const std::vector<float>& b, DistanceKind kind) {
  double dot = 0, na = 0, nb = 0, sq = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double x = a[i], y = b[i];
    dot += x * y;
    na += x * x;
    nb += y * y;
    sq += (x - y) * (x - y);
  }
  if (kind == DistanceKind::euclidean) return std::sqrt(sq);
  const double denom = std::sqrt(na) * std::sqrt(nb);
  return denom > 0 ? 1.0 - dot / denom : 1.0;
}

/// How many gallery entries other than gallery[own] are not strictly farther from `probe` than gallery[own] is,
/// counting at most `limit`: 0 means a rank-1 hit, < k a rank-k hit. A tie counts against the probe (the auditor
/// could not single the face out) and so does a NaN distance; a NaN own distance returns `limit`.
inline std::size_t rank_competitors(const std::vector<float>& probe,
                                    const std::vector<const std::vector<float>*>& gallery, std::size_t own,
                                    DistanceKind kind, std::size_t limit) {
  const double own_distance = embedding_distance(probe, *gallery[own], kind);
  if (std::isnan(own_distance)) return limit;
  std::size_t count = 0;
  for (std::size_t j = 0; j < gallery.size() && count < limit; ++j)
    if (j != own && !(own_distance < embedding_distance(probe, *gallery[j], kind))) ++count;
  return count;
}

}  // namespace ferguard::detail
