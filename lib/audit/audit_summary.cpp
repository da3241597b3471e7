// The audit's summary: same-photo, cross-photo, adaptive and reversal attackers, soft biometrics and utility, written
// as audit.json (docs/audit_json.md) and faces.csv. Everything here is a pure function of the audited faces, so the
// same faces and options give the same bytes.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "audit/auditor_impl.h"
#include "audit/distance.h"
#include "detail/check.h"
#include "detail/hash_rng.h"
#include "ferguard/version.h"

namespace ferguard::detail {
namespace {

using Json = nlohmann::ordered_json;
using Emb = std::vector<float>;

constexpr int kCmcDepth = 20;
constexpr double kFars[] = {0.01, 0.001};
constexpr int kRocPoints = 50;

// Six decimals: readable files, and the same value always prints the same way.
double num(double v) {
  if (!std::isfinite(v)) return v;  // null in JSON
  return std::round(v * 1e6) / 1e6;
}

Json rate_json(const RateInterval& r) { return Json{{"value", num(r.value)}, {"lo", num(r.lo)}, {"hi", num(r.hi)}}; }

double mean(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// 1 + the gallery entries other than `own` not strictly farther than own (ties and NaN count against the probe).
std::size_t full_rank(const Emb& probe, const std::vector<const Emb*>& gallery, std::size_t own, DistanceKind kind) {
  return 1 + rank_competitors(probe, gallery, own, kind, gallery.size());
}

// Seeds: one per (figure, auditor, protocol), so that every figure is reproducible on its own.
std::uint64_t seed_of(const AuditState& s, int figure, std::size_t k, std::size_t q) {
  return hash_tuple(s.options.protocol.seed, figure, k, q);
}

const ProtocolEmbedding& entry(const AuditedFace& f, std::size_t k, std::size_t q, std::size_t v) {
  return f.protocol.auditors[k].embeddings[q][v];
}

std::size_t protocol_slot(const AuditState& s, AuditProtocol p) {
  const auto& ps = s.options.protocol.protocols;
  const auto it = std::find(ps.begin(), ps.end(), p);
  return it == ps.end() ? ps.size() : static_cast<std::size_t>(it - ps.begin());
}

// ---- calibration of custom auditors -------------------------------------------------------------------------

// The distance at a false-accept rate of 1 % over pairs of different original faces (own crop, the original image:
// the photo protocol's gallery, or the face protocol's when photo is not audited).
float calibrate(const std::vector<AuditedFace>& faces, std::size_t k, std::size_t q, DistanceKind kind) {
  std::vector<double> d;
  for (std::size_t i = 0; i < faces.size(); ++i)
    for (std::size_t j = i + 1; j < faces.size(); ++j) {
      if (!faces[i].identity.empty() && faces[i].identity == faces[j].identity) continue;
      d.push_back(embedding_distance(entry(faces[i], k, q, 0).gallery, entry(faces[j], k, q, 0).gallery, kind));
    }
  if (d.empty()) return 0.0f;
  std::sort(d.begin(), d.end());
  const std::size_t at = std::min(d.size() - 1, static_cast<std::size_t>(std::floor(0.01 * double(d.size()))));
  return static_cast<float>(d[at]);
}

// ---- same-photo ---------------------------------------------------------------------------------------------

// Every face's rank among the same-photo gallery, [auditor][protocol slot][crop variant][face]: computed once for
// the same-photo rows (mean ranks, CMC) and the per-face rows.
using RankTable = std::vector<std::vector<std::vector<std::vector<std::size_t>>>>;

RankTable same_photo_ranks(const AuditState& s, const std::vector<AuditedFace>& faces) {
  const std::size_t nq = s.options.protocol.protocols.size(), nv = crop_variants().size();
  RankTable ranks(s.auditors.size(), std::vector<std::vector<std::vector<std::size_t>>>(
                                         nq, std::vector<std::vector<std::size_t>>(nv, std::vector<std::size_t>(faces.size()))));
  for (std::size_t k = 0; k < s.auditors.size() && !faces.empty(); ++k) {
    const DistanceKind kind = faces.front().protocol.auditors[k].distance_kind;
    for (std::size_t q = 0; q < nq; ++q)
      for (std::size_t v = 0; v < nv; ++v) {
        std::vector<const Emb*> gallery;
        for (const AuditedFace& f : faces) gallery.push_back(&entry(f, k, q, v).gallery);
        for (std::size_t i = 0; i < faces.size(); ++i)
          ranks[k][q][v][i] = full_rank(entry(faces[i], k, q, v).probe, gallery, i, kind);
      }
  }
  return ranks;
}

Json same_photo_json(const AuditState& s, const std::vector<AuditedFace>& faces, const ProtocolSummary& summary,
                     const RankTable& ranks_of, Json& headline) {
  Json rows = Json::array();
  const std::size_t nq = s.options.protocol.protocols.size();
  const std::size_t nv = crop_variants().size();
  for (std::size_t r = 0; r < summary.results.size(); ++r) {
    const ProtocolAuditorSummary& ps = summary.results[r];
    const std::size_t k = r / nq, q = r % nq;
    Json variants = Json::array();
    std::vector<double> cmc(std::min<std::size_t>(kCmcDepth, faces.size()), 0.0);
    double mean_rank_own = 0.0;
    for (std::size_t v = 0; v < nv; ++v) {
      double ranks = 0.0;
      for (std::size_t i = 0; i < faces.size(); ++i) {
        const std::size_t rank = ranks_of[k][q][v][i];
        ranks += double(rank);
        if (v == 0)
          for (std::size_t c = rank - 1; c < cmc.size(); ++c) cmc[c] += 1.0;
      }
      const double mr = faces.empty() ? 0.0 : ranks / double(faces.size());
      if (v == 0) mean_rank_own = mr;
      variants.push_back(Json{{"variant", ps.variants[v].variant},
                              {"rank1", rate_json(ps.variants[v].rank1)},
                              {"rank5", num(ps.variants[v].rank5)},
                              {"mean_rank", num(mr)}});
    }
    Json cmc_json = Json::array();
    for (double c : cmc) cmc_json.push_back(num(c / double(faces.size())));
    const std::string protocol = to_string(ps.protocol);
    rows.push_back(Json{{"auditor", ps.auditor},
                        {"protocol", protocol},
                        {"probes", ps.faces},
                        {"gallery", ps.gallery},
                        {"chance", num(ps.chance)},
                        {"worst_variant", ps.worst_variant},
                        {"rank1", rate_json(ps.worst_rank1)},
                        {"rank5", num(ps.variants.front().rank5)},
                        {"mean_rank", num(mean_rank_own)},
                        {"verification_rate", num(ps.verification_rate)},
                        {"threshold", num(ps.threshold)},
                        {"variants", std::move(variants)},
                        {"cmc", std::move(cmc_json)}});
    headline.push_back(Json{{"auditor", ps.auditor},
                            {"protocol", protocol},
                            {"faces", ps.faces},
                            {"chance", num(ps.chance)},
                            {"rank1", rate_json(ps.worst_rank1)},
                            {"worst_variant", ps.worst_variant}});
  }
  return rows;
}

// ---- cross-photo ---------------------------------------------------------------------------------------------

// Faces with a known identity that also appears in another photo.
std::vector<std::size_t> cross_probes(const std::vector<AuditedFace>& faces) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < faces.size(); ++i) {
    if (faces[i].identity.empty()) continue;
    for (std::size_t j = 0; j < faces.size(); ++j)
      if (j != i && faces[j].image != faces[i].image && faces[j].identity == faces[i].identity) {
        out.push_back(i);
        break;
      }
  }
  return out;
}

struct CrossResult {
  std::vector<std::vector<int>> hits1;  // [variant][probe]
  std::vector<double> rank5;            // per variant
  std::vector<double> cmc;              // own crop
  double chance = 0.0;
  int identities = 0;
};

CrossResult cross_ranks(const std::vector<AuditedFace>& faces, const std::vector<std::size_t>& probes, std::size_t k,
                        std::size_t q, DistanceKind kind) {
  const std::size_t nv = crop_variants().size();
  CrossResult r;
  r.hits1.assign(nv, std::vector<int>(probes.size(), 0));
  r.rank5.assign(nv, 0.0);
  std::set<std::string> all;
  for (const AuditedFace& f : faces)
    if (!f.identity.empty()) all.insert(f.identity);
  r.identities = static_cast<int>(all.size());
  double chance = 0.0;
  for (std::size_t v = 0; v < nv; ++v) {
    std::vector<int> ranks;
    for (std::size_t n = 0; n < probes.size(); ++n) {
      const AuditedFace& p = faces[probes[n]];
      std::map<std::string, double> nearest;  // identity -> nearest gallery face
      for (const AuditedFace& g : faces) {
        if (g.identity.empty() || g.image == p.image) continue;
        const double d = embedding_distance(entry(p, k, q, v).probe, entry(g, k, q, v).gallery, kind);
        auto it = nearest.find(g.identity);
        if (it == nearest.end()) nearest.emplace(g.identity, std::isnan(d) ? INFINITY : d);
        else if (d < it->second) it->second = d;
      }
      const double own = nearest.at(p.identity);
      int rank = 1;
      for (const auto& [id, d] : nearest)
        if (id != p.identity && !(own < d)) ++rank;
      ranks.push_back(rank);
      r.hits1[v][n] = rank == 1 ? 1 : 0;
      if (v == 0) chance += 1.0 / double(nearest.size());
    }
    double r5 = 0;
    for (int rank : ranks) r5 += rank <= 5 ? 1 : 0;
    r.rank5[v] = probes.empty() ? 0.0 : r5 / double(probes.size());
    if (v == 0) {
      r.cmc.assign(std::min<std::size_t>(kCmcDepth, all.size()), 0.0);
      for (int rank : ranks)
        for (std::size_t c = static_cast<std::size_t>(rank - 1); c < r.cmc.size(); ++c) r.cmc[c] += 1.0;
      for (double& c : r.cmc) c /= probes.empty() ? 1.0 : double(probes.size());
    }
  }
  r.chance = probes.empty() ? 0.0 : chance / double(probes.size());
  return r;
}

Json cross_photo_json(const AuditState& s, const std::vector<AuditedFace>& faces, std::vector<std::string>& warnings) {
  const std::vector<std::size_t> probes = cross_probes(faces);
  if (probes.empty()) return nullptr;
  if (static_cast<int>(probes.size()) < s.options.min_faces)
    warnings.push_back(fmt::format("cross-photo attacker: {} probe faces, fewer than {}: its intervals are wide",
                                   probes.size(), s.options.min_faces));
  Json results = Json::array();
  int identities = 0;
  for (std::size_t k = 0; k < s.auditors.size(); ++k) {
    const DistanceKind kind = faces.front().protocol.auditors[k].distance_kind;
    for (AuditProtocol p : {AuditProtocol::face, AuditProtocol::photo}) {
      const std::size_t q = protocol_slot(s, p);
      if (q >= s.options.protocol.protocols.size()) continue;
      const CrossResult cr = cross_ranks(faces, probes, k, q, kind);
      identities = cr.identities;
      std::size_t worst = 0;
      for (std::size_t v = 1; v < cr.hits1.size(); ++v) {
        double a = 0, b = 0;
        for (int h : cr.hits1[v]) a += h;
        for (int h : cr.hits1[worst]) b += h;
        if (a > b) worst = v;
      }
      const std::uint64_t seed = seed_of(s, 2, k, q);
      // Impostor pairs of originals (different known identities) set the thresholds; genuine pairs are an
      // anonymised probe against the originals of the same person in other photos. Own crop.
      std::vector<double> impostor;
      for (std::size_t i = 0; i < faces.size(); ++i)
        for (std::size_t j = i + 1; j < faces.size(); ++j)
          if (!faces[i].identity.empty() && !faces[j].identity.empty() && faces[i].identity != faces[j].identity)
            impostor.push_back(
                embedding_distance(entry(faces[i], k, q, 0).gallery, entry(faces[j], k, q, 0).gallery, kind));
      std::sort(impostor.begin(), impostor.end());
      std::vector<double> genuine;
      for (std::size_t i : probes)
        for (const AuditedFace& g : faces)
          if (g.identity == faces[i].identity && g.image != faces[i].image)
            genuine.push_back(embedding_distance(entry(faces[i], k, q, 0).probe, entry(g, k, q, 0).gallery, kind));
      auto threshold_at = [&](double far) {
        if (impostor.empty()) return 0.0;
        // The largest distance that accepts at most `far` of the impostor pairs (0 accepted: below the smallest).
        const std::size_t allowed = static_cast<std::size_t>(std::floor(far * double(impostor.size())));
        return allowed == 0 ? std::nextafter(impostor.front(), -INFINITY) : impostor[allowed - 1];
      };
      auto accepted = [&](double t) {
        std::vector<int> hits;
        for (double d : genuine) hits.push_back(d <= t ? 1 : 0);
        return hits;
      };
      Json far_points = Json::array();
      for (double far : kFars) {
        const double t = threshold_at(far);
        far_points.push_back(Json{{"far", far},
                                  {"threshold", num(t)},
                                  {"tar", rate_json(bootstrap_rate(accepted(t), s.options.protocol.bootstrap, seed))}});
      }
      Json roc = Json::array();
      if (!impostor.empty() && !genuine.empty()) {
        for (int n = 0; n <= kRocPoints; ++n) {
          const std::size_t at = std::min(impostor.size() - 1, n * (impostor.size() - 1) / kRocPoints);
          const double t = impostor[at];
          double fa = 0, ta = 0;
          for (double d : impostor) fa += d <= t;
          for (double d : genuine) ta += d <= t;
          roc.push_back(Json::array({num(fa / double(impostor.size())), num(ta / double(genuine.size()))}));
        }
      }
      Json cmc = Json::array();
      for (double c : cr.cmc) cmc.push_back(num(c));
      results.push_back(Json{{"auditor", s.auditors[k].name},
                             {"protocol", to_string(p)},
                             {"probes", probes.size()},
                             {"identities", cr.identities},
                             {"chance", num(cr.chance)},
                             {"worst_variant", crop_variants()[worst].name},
                             {"rank1", rate_json(bootstrap_worst_rate(cr.hits1, s.options.protocol.bootstrap, seed))},
                             {"rank5", num(cr.rank5[worst])},
                             {"cmc", std::move(cmc)},
                             {"far_points", std::move(far_points)},
                             {"roc", std::move(roc)},
                             {"impostor_pairs", impostor.size()},
                             {"genuine_pairs", genuine.size()}});
    }
  }
  return Json{{"probes", probes.size()}, {"identities", identities}, {"results", std::move(results)}};
}

// ---- adaptive -------------------------------------------------------------------------------------------------

Emb normalised(const Emb& e, DistanceKind kind) {
  if (kind != DistanceKind::cosine) return e;
  double n = 0;
  for (float x : e) n += double(x) * x;
  n = std::sqrt(n);
  Emb out(e.size());
  for (std::size_t i = 0; i < e.size(); ++i) out[i] = n > 0 ? float(e[i] / n) : 0.0f;
  return out;
}

// Nearest class mean: trained on `train` (embedding, class), accuracy hits on `test`.
std::vector<int> ncm_hits(const std::vector<std::pair<Emb, int>>& train, const std::vector<std::pair<Emb, int>>& test,
                          int classes, DistanceKind kind) {
  if (train.empty()) return {};
  const std::size_t dim = train.front().first.size();
  std::vector<std::vector<double>> sums(static_cast<std::size_t>(classes), std::vector<double>(dim, 0.0));
  std::vector<int> counts(static_cast<std::size_t>(classes), 0);
  for (const auto& [e, c] : train) {
    const Emb n = normalised(e, kind);
    for (std::size_t d = 0; d < dim; ++d) sums[c][d] += n[d];
    ++counts[c];
  }
  std::vector<Emb> means(static_cast<std::size_t>(classes), Emb(dim, 0.0f));
  for (int c = 0; c < classes; ++c)
    for (std::size_t d = 0; d < dim; ++d) means[c][d] = counts[c] ? float(sums[c][d] / counts[c]) : 0.0f;
  std::vector<int> hits;
  for (const auto& [e, c] : test) {
    int best = -1;
    double best_d = INFINITY;
    for (int m = 0; m < classes; ++m) {
      if (!counts[m]) continue;
      const double d = embedding_distance(e, means[m], kind);
      if (d < best_d) best_d = d, best = m;  // the first class on ties
    }
    hits.push_back(best == c ? 1 : 0);
  }
  return hits;
}

Json adaptive_json(const AuditState& s, const std::vector<AuditedFace>& faces) {
  // Identities with faces in at least two photos: each identity's faces, sorted by photo name then index, split in
  // halves (the first ceil(n/2) train).
  std::map<std::string, std::vector<std::size_t>> by_id;
  for (std::size_t i = 0; i < faces.size(); ++i)
    if (!faces[i].identity.empty()) by_id[faces[i].identity].push_back(i);
  std::vector<std::pair<std::size_t, int>> train, test;  // (face, class)
  int classes = 0;
  for (auto& [id, members] : by_id) {
    std::set<std::string> photos;
    for (std::size_t i : members) photos.insert(faces[i].image);
    if (photos.size() < 2) continue;
    const std::size_t half = (members.size() + 1) / 2;
    for (std::size_t n = 0; n < members.size(); ++n) (n < half ? train : test).push_back({members[n], classes});
    ++classes;
  }
  if (classes < 2 || test.empty()) return nullptr;
  Json results = Json::array();
  for (std::size_t k = 0; k < s.auditors.size(); ++k) {
    const DistanceKind kind = faces.front().protocol.auditors[k].distance_kind;
    for (AuditProtocol p : {AuditProtocol::face, AuditProtocol::photo}) {
      const std::size_t q = protocol_slot(s, p);
      if (q >= s.options.protocol.protocols.size()) continue;
      auto set_of = [&](const std::vector<std::pair<std::size_t, int>>& part, bool anonymised) {
        std::vector<std::pair<Emb, int>> out;
        for (const auto& [i, c] : part) {
          const ProtocolEmbedding& e = entry(faces[i], k, q, 0);
          out.push_back({anonymised ? e.probe : e.gallery, c});
        }
        return out;
      };
      const std::vector<int> hits = ncm_hits(set_of(train, true), set_of(test, true), classes, kind);
      const std::vector<int> clean = ncm_hits(set_of(train, false), set_of(test, false), classes, kind);
      const RateInterval acc = bootstrap_rate(hits, s.options.protocol.bootstrap, seed_of(s, 3, k, q));
      double acc_clean = 0;
      for (int h : clean) acc_clean += h;
      acc_clean /= double(clean.size());
      const double chance = 1.0 / classes;
      const double leakage = acc_clean > chance ? std::max(0.0, (acc.value - chance) / (acc_clean - chance)) : 0.0;
      results.push_back(Json{{"auditor", s.auditors[k].name},
                             {"protocol", to_string(p)},
                             {"train", train.size()},
                             {"test", test.size()},
                             {"classes", classes},
                             {"chance", num(chance)},
                             {"accuracy", rate_json(acc)},
                             {"accuracy_clean", num(acc_clean)},
                             {"leakage", num(leakage)}});
    }
  }
  return Json{{"classifier", "nearest_class_mean"}, {"results", std::move(results)}};
}

// ---- reversal -------------------------------------------------------------------------------------------------

Json reversal_json(const AuditState& s, const std::vector<AuditedFace>& faces) {
  const std::size_t q = protocol_slot(s, AuditProtocol::face);
  if (!s.options.reversal || q >= s.options.protocol.protocols.size() || faces.empty()) return nullptr;
  Json results = Json::array();
  for (std::size_t k = 0; k < s.auditors.size(); ++k) {
    const DistanceKind kind = faces.front().protocol.auditors[k].distance_kind;
    std::vector<const Emb*> gallery;
    for (const AuditedFace& f : faces) gallery.push_back(&entry(f, k, q, 0).gallery);
    auto hits_of = [&](auto&& probe) {
      std::vector<int> hits;
      for (std::size_t i = 0; i < faces.size(); ++i)
        hits.push_back(rank_competitors(probe(i), gallery, i, kind, 1) == 0 ? 1 : 0);
      return hits;
    };
    const std::uint64_t seed = seed_of(s, 4, k, q);
    const RateInterval without =
        bootstrap_rate(hits_of([&](std::size_t i) -> const Emb& { return entry(faces[i], k, q, 0).probe; }),
                       s.options.protocol.bootstrap, seed);
    Json per_sigma = Json::array();
    std::size_t best = 0;
    std::vector<std::vector<int>> rows;
    for (std::size_t n = 0; n < s.options.reversal_sigmas.size(); ++n) {
      rows.push_back(hits_of([&](std::size_t i) -> const Emb& { return faces[i].reversal_probes[k][n]; }));
      const RateInterval r = bootstrap_rate(rows.back(), s.options.protocol.bootstrap, seed);
      per_sigma.push_back(Json{{"sigma", num(s.options.reversal_sigmas[n])}, {"rank1", num(r.value)}});
      double a = 0, b = 0;
      for (int h : rows[n]) a += h;
      for (int h : rows[best]) b += h;
      if (a > b) best = n;
    }
    results.push_back(Json{{"auditor", s.auditors[k].name},
                           {"protocol", "face"},
                           {"rank1_without", rate_json(without)},
                           {"best_sigma", num(s.options.reversal_sigmas[best])},
                           {"rank1", rate_json(bootstrap_worst_rate(rows, s.options.protocol.bootstrap, seed))},
                           {"per_sigma", std::move(per_sigma)},
                           {"chance", num(1.0 / double(faces.size()))}});
  }
  Json sigmas = Json::array();
  for (float v : s.options.reversal_sigmas) sigmas.push_back(num(v));
  return Json{{"method", "wiener_gaussian"},
              {"applies_to",
               "linear, shift-invariant anonymisers (Gaussian or box blur); against other methods (pixelation, "
               "replacement, masking, adversarial noise) it is reported but not expected to help"},
              {"sigmas", std::move(sigmas)},
              {"results", std::move(results)}};
}

// ---- soft biometrics and utility ---------------------------------------------------------------------------

Json soft_biometrics_json(const AuditState& s, const std::vector<AuditedFace>& faces) {
  if (!s.options.soft_biometrics) return nullptr;
  std::vector<int> flips;
  std::vector<double> abs_change, change;
  double male_o = 0, male_a = 0;
  for (const AuditedFace& f : faces) {
    if (!f.has_attributes) continue;
    const bool mo = f.original_attributes.male > 0.5f, ma = f.anonymised_attributes.male > 0.5f;
    flips.push_back(mo != ma ? 1 : 0);
    male_o += mo, male_a += ma;
    change.push_back(double(f.anonymised_attributes.age) - f.original_attributes.age);
    abs_change.push_back(std::abs(change.back()));
  }
  if (flips.empty()) return nullptr;
  const double n = double(flips.size());
  male_o /= n, male_a /= n;
  return Json{{"model", "faceres"},
              {"faces", flips.size()},
              {"gender_flip", rate_json(bootstrap_rate(flips, s.options.protocol.bootstrap, seed_of(s, 5, 0, 0)))},
              {"gender_flip_chance", num(male_o * (1 - male_a) + (1 - male_o) * male_a)},
              {"age_mae", num(mean(abs_change))},
              {"age_change_mean", num(mean(change))}};
}


Json utility_json(const AuditState& s, const std::vector<AuditedFace>& faces) {
  Json expression = Json::array();
  for (std::size_t m = 0; m < s.options.expression_models.size(); ++m) {
    std::vector<int> agree;
    std::vector<double> kls;
    std::vector<double> share_o(kNumExpressions, 0.0), share_a(kNumExpressions, 0.0);
    for (const AuditedFace& f : faces) {
      const Expression o = f.original_expression[m].label(), a = f.anonymised_expression[m].label();
      agree.push_back(o == a ? 1 : 0);
      kls.push_back(expression_kl(f.original_expression[m], f.anonymised_expression[m]));
      share_o[static_cast<int>(o)] += 1.0 / double(faces.size());
      share_a[static_cast<int>(a)] += 1.0 / double(faces.size());
    }
    double chance = 0;
    for (int c = 0; c < kNumExpressions; ++c) chance += share_o[c] * share_a[c];
    Json entry{{"model", s.options.expression_models[m]},
               {"role", m == 0 ? "ferguard" : "independent"},
               {"faces", faces.size()},
               {"agreement", rate_json(bootstrap_rate(agree, s.options.protocol.bootstrap, seed_of(s, 6, m, 0)))},
               {"chance", num(chance)},
               {"mean_kl", num(mean(kls))}};
    if (m > 0) {
      // The reference for an independent model's agreement: how often it gives ferguard's model's top class on the
      // originals themselves.
      std::vector<int> same;
      for (const AuditedFace& f : faces)
        same.push_back(f.original_expression[m].label() == f.original_expression[0].label() ? 1 : 0);
      entry["originals_agree_with_ferguard"] =
          rate_json(bootstrap_rate(same, s.options.protocol.bootstrap, seed_of(s, 6, m, 1)));
    }
    expression.push_back(std::move(entry));
  }
  std::vector<int> found;
  std::vector<double> errors;
  for (const AuditedFace& f : faces) {
    found.push_back(f.redetected ? 1 : 0);
    if (f.redetected && f.landmark_error >= 0) errors.push_back(f.landmark_error);
  }
  std::vector<double> psnr;
  int identical = 0;
  for (const AuditedImage& im : s.images) {
    if (im.psnr_outside < 0) continue;
    psnr.push_back(im.psnr_outside);
    identical += im.psnr_outside >= 100.0;
  }
  return Json{
      {"expression", std::move(expression)},
      {"redetection",
       {{"faces", faces.size()},
        {"min_iou", 0.5},
        {"rate", rate_json(bootstrap_rate(found, s.options.protocol.bootstrap, seed_of(s, 7, 0, 0)))}}},
      {"landmark_error", {{"faces", errors.size()}, {"mean", num(mean(errors))}, {"median", num(median(errors))}}},
      {"outside_faces",
       {{"images", psnr.size()},
        {"psnr_mean", num(mean(psnr))},
        {"psnr_min", psnr.empty() ? 0.0 : num(*std::min_element(psnr.begin(), psnr.end()))},
        {"identical_images", identical}}}};
}

// ---- faces ----------------------------------------------------------------------------------------------------

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string fmt_num(double v) { return std::isfinite(v) ? fmt::format("{}", num(v)) : std::string(); }

}  // namespace

AuditReport summarize_audit(const AuditState& state) {
  AuditReport result;
  result.faces = state.faces;
  result.errors = state.errors;
  result.images = static_cast<int>(state.images.size());
  result.seconds = state.seconds;
  std::vector<std::string> warnings = state.warnings;
  AuditState s = state;  // thresholds of calibrated auditors filled in below
  std::vector<AuditedFace>& faces = s.faces;
  const std::size_t nq = s.options.protocol.protocols.size();

  if (!faces.empty()) {
    const std::size_t q_cal = protocol_slot(s, AuditProtocol::photo) < nq ? protocol_slot(s, AuditProtocol::photo) : 0;
    for (std::size_t k = 0; k < s.auditors.size(); ++k) {
      if (s.auditors[k].threshold_source != "calibrated") continue;
      s.auditors[k].threshold = calibrate(faces, k, q_cal, s.auditors[k].distance);
      for (AuditedFace& f : faces) f.protocol.auditors[k].threshold = s.auditors[k].threshold;
    }
  }

  Json j;
  j["schema"] = "ferguard.audit/1";
  j["ferguard_version"] = version();
  j["ferguard_commit"] = git_commit();
  std::set<std::string> ids;
  for (const AuditedFace& f : faces)
    if (!f.identity.empty()) ids.insert(f.identity);
  j["inputs"] = {{"originals", s.originals_dir.empty() ? Json(nullptr) : Json(s.originals_dir)},
                 {"anonymised", s.anonymised_dir.empty() ? Json(nullptr) : Json(s.anonymised_dir)},
                 {"images", s.images.size()},
                 {"failed", s.errors.size()},
                 {"faces", faces.size()},
                 {"identities", ids.size()}};
  Json protocols = Json::array(), variants = Json::array(), models = Json::array(), sigmas = Json::array();
  for (AuditProtocol p : s.options.protocol.protocols) protocols.push_back(to_string(p));
  for (const CropVariant& v : crop_variants())
    variants.push_back(
        {{"name", v.name}, {"scale", num(v.scale)}, {"shift_x", num(v.shift_x)}, {"shift_y", num(v.shift_y)}});
  for (const std::string& m : s.options.expression_models) models.push_back(m);
  if (s.options.reversal)
    for (float v : s.options.reversal_sigmas) sigmas.push_back(num(v));
  j["options"] = {{"protocols", std::move(protocols)},
                  {"crop_variants", std::move(variants)},
                  {"bootstrap", s.options.protocol.bootstrap},
                  {"seed", s.options.protocol.seed},
                  {"expression_models", std::move(models)},
                  {"soft_biometrics", s.options.soft_biometrics},
                  {"reversal_sigmas", std::move(sigmas)},
                  {"min_faces", s.options.min_faces}};
  Json auditors = Json::array();
  for (const AuditorInfo& a : s.auditors)
    auditors.push_back({{"name", a.name},
                        {"distance", distance_kind_name(a.distance)},
                        {"threshold", num(a.threshold)},
                        {"threshold_source", a.threshold_source},
                        {"model", a.model}});
  j["auditors"] = std::move(auditors);

  std::vector<AuditedFace> same;
  int extra = 0;
  for (const AuditedFace& f : faces) {
    if (!f.extra) same.push_back(f);
    extra += f.extra ? 1 : 0;
  }
  j["inputs"]["extra_faces"] = extra;
  const RankTable same_ranks = same_photo_ranks(s, same);
  if (faces.empty()) {
    warnings.push_back("no face was found on the originals: nothing to audit");
    j["summary"] = Json::array();
    j["same_photo"] = Json::array();
    j["cross_photo"] = nullptr;
    j["adaptive"] = nullptr;
    j["reversal"] = nullptr;
    j["soft_biometrics"] = nullptr;
    j["utility"] = nullptr;
  } else {
    if (static_cast<int>(faces.size()) < s.options.min_faces)
      warnings.push_back(fmt::format("{} faces, fewer than {}: every interval is wide (one face is {:.1f} points)",
                                     faces.size(), s.options.min_faces, 100.0 / double(faces.size())));
    // The same-photo attacker's gallery: one face per person of a video (extra frames left out).
    std::vector<FaceProtocolAudit> audits;
    for (const AuditedFace& f : same) audits.push_back(f.protocol);
    const ProtocolSummary summary = summarize_protocols(audits, s.options.protocol);
    Json headline = Json::array();
    j["same_photo"] = same_photo_json(s, same, summary, same_ranks, headline);
    j["summary"] = std::move(headline);
    // summary goes before same_photo in the file
    Json reordered;
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "same_photo" && it.key() != "summary") reordered[it.key()] = it.value();
    reordered["summary"] = j["summary"];
    reordered["same_photo"] = j["same_photo"];
    j = std::move(reordered);
    j["cross_photo"] = cross_photo_json(s, faces, warnings);
    j["adaptive"] = adaptive_json(s, faces);
    j["reversal"] = reversal_json(s, same);
    j["soft_biometrics"] = soft_biometrics_json(s, faces);
    j["utility"] = utility_json(s, faces);
  }
  j["warnings"] = warnings;
  Json errors = Json::array();
  for (const AuditError& e : s.errors) errors.push_back({{"input", e.input}, {"message", e.message}});
  j["errors"] = std::move(errors);
  j["timing"] = {{"seconds", num(s.seconds)},
                 {"seconds_per_face", num(faces.empty() ? 0.0 : s.seconds / double(faces.size()))}};

  // Per face, and the CSV with one row per face and auditor.
  Json face_rows = Json::array();
  std::string csv = "image,face,identity,auditor,distance,threshold,verified,rank_face,rank_photo,rank_context_floor,"
                    "worst_rank_face,redetected,iou,landmark_error";
  for (const std::string& m : s.options.expression_models)
    csv += fmt::format(",{0}_original,{0}_anonymised,{0}_agree", m);
  csv += ",male_original,male_anonymised,age_original,age_anonymised\n";
  if (!faces.empty()) {
    std::size_t next_same = 0;
    for (std::size_t i = 0; i < faces.size(); ++i) {
      const AuditedFace& f = faces[i];
      const std::size_t r = f.extra ? same.size() : next_same++;  // this face's row in `ranks`, or none
      const bool ranked = r < same.size();
      Json expr = Json::array();
      std::string expr_csv;
      for (std::size_t m = 0; m < s.options.expression_models.size(); ++m) {
        const std::string& o = expression_names()[static_cast<int>(f.original_expression[m].label())];
        const std::string& a = expression_names()[static_cast<int>(f.anonymised_expression[m].label())];
        expr.push_back({{"model", s.options.expression_models[m]}, {"original", o}, {"anonymised", a}, {"agree", o == a}});
        expr_csv += fmt::format(",{},{},{}", o, a, o == a ? 1 : 0);
      }
      Json attrs = nullptr;
      std::string attrs_csv = ",,,,";
      if (f.has_attributes) {
        attrs = {{"male_original", num(f.original_attributes.male)},
                 {"male_anonymised", num(f.anonymised_attributes.male)},
                 {"age_original", num(f.original_attributes.age)},
                 {"age_anonymised", num(f.anonymised_attributes.age)}};
        attrs_csv = fmt::format(",{},{},{},{}", fmt_num(f.original_attributes.male),
                                fmt_num(f.anonymised_attributes.male), fmt_num(f.original_attributes.age),
                                fmt_num(f.anonymised_attributes.age));
      }
      Json per_auditor = Json::array();
      for (std::size_t k = 0; k < s.auditors.size(); ++k) {
        Json rank = Json::object();
        std::string rank_csv;
        for (AuditProtocol p : {AuditProtocol::face, AuditProtocol::photo, AuditProtocol::context_floor}) {
          const std::size_t q = protocol_slot(s, p);
          if (q < nq) rank[to_string(p)] = ranked ? Json(same_ranks[k][q][0][r]) : Json(nullptr);
          rank_csv += q < nq && ranked ? fmt::format(",{}", same_ranks[k][q][0][r]) : std::string(",");
        }
        const std::size_t qf = protocol_slot(s, AuditProtocol::face);
        const bool has_face = qf < nq;
        const std::size_t qd = has_face ? qf : 0;
        const double d =
            embedding_distance(entry(f, k, qd, 0).probe, entry(f, k, qd, 0).gallery, s.auditors[k].distance);
        std::size_t worst_face = 0;  // the best rank over the face protocol's crop variants
        if (has_face && ranked) {
          worst_face = same_ranks[k][qf][0][r];
          for (const auto& variant : same_ranks[k][qf]) worst_face = std::min(worst_face, variant[r]);
        }
        const bool verified = std::isfinite(d) && d <= s.auditors[k].threshold;
        per_auditor.push_back({{"auditor", s.auditors[k].name},
                               {"distance", num(d)},
                               {"verified", verified},
                               {"rank", std::move(rank)},
                               {"worst_rank_face", has_face && ranked ? Json(worst_face) : Json(nullptr)}});
        csv += fmt::format("{},{},{},{},{},{},{}{},{},{},{},{}{}{}\n", csv_field(f.image), f.index,
                           csv_field(f.identity), csv_field(s.auditors[k].name), fmt_num(d),
                           fmt_num(s.auditors[k].threshold), verified ? 1 : 0, rank_csv,
                           has_face && ranked ? fmt::format("{}", worst_face) : std::string(),
                           f.redetected ? 1 : 0,
                           fmt_num(f.redetection_iou), fmt_num(f.landmark_error), expr_csv, attrs_csv);
      }
      face_rows.push_back({{"image", f.image},
                           {"index", f.index},
                           {"identity", f.identity.empty() ? Json(nullptr) : Json(f.identity)},
                           {"extra", f.extra},
                           {"box", Json::array({num(f.box.x), num(f.box.y), num(f.box.width), num(f.box.height)})},
                           {"redetected", f.redetected},
                           {"iou", num(f.redetection_iou)},
                           {"landmark_error", num(f.landmark_error)},
                           {"expression", std::move(expr)},
                           {"attributes", std::move(attrs)},
                           {"auditors", std::move(per_auditor)}});
    }
  }
  j["faces"] = std::move(face_rows);
  result.warnings = warnings;
  result.json_text = j.dump(2);
  result.csv_text = std::move(csv);
  return result;
}

}  // namespace ferguard::detail
