// The run summary as a plain-text table.
#include <fmt/format.h>

#include <string>

#include "ferguard/pipeline/report.h"

namespace ferguard {
namespace {

std::string percent(double v) { return fmt::format("{:.1f}%", 100.0 * v); }

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out.empty() ? "-" : out;
}

}  // namespace

std::string format_summary(const RunSummary& s, const PipelineInfo& info) {
  std::string out;
  const int privatized = s.faces - s.masked;
  out += fmt::format("method {}  controllers {}  expression model {}  independent model {}\n", info.method,
                     join(info.controllers), info.expression_model,
                     info.second_expression_model.empty() ? "-" : info.second_expression_model);
  out += fmt::format("faces {}  privatized {}  masked {}  seconds per face {:.3f} (privatize + predict), audit {:.3f}\n",
                     s.faces, privatized, s.masked, s.seconds_per_face, s.audit_seconds_per_face);
  if (s.natural >= 0)
    out += fmt::format("natural {}  (re-detected {}, expression landmarks within 5% IOD {}, colourfulness within 30% {})\n",
                       percent(s.natural), percent(s.redetected), percent(s.landmarks_ok), percent(s.colour_ok));
  out += "\n";
  if (privatized == 0) {
    out += "no privatized face: nothing to rate\n";
    out += fmt::format("TARGET NOT MET: rank-1 re-identification <= {} for every auditor while agreement >= {} "
                       "(no faces)\n",
                       percent(kTargetMaxRank1), percent(kTargetMinAgreement));
    return out;
  }

  auto ci = [](const RateInterval& r) { return fmt::format("{:.1f}% [{:.0f}-{:.0f}]", 100 * r.value, 100 * r.lo, 100 * r.hi); };
  auto find = [&](const std::string& auditor, AuditProtocol p) -> const ProtocolAuditorSummary* {
    for (const ProtocolAuditorSummary& r : s.protocols.results)
      if (r.auditor == auditor && r.protocol == p) return &r;
    return nullptr;
  };
  if (!s.protocols.results.empty()) {
    out += "rank-1 re-identification against the gallery of all originals, worst of 7 crops, 95% interval:\n";
    out += fmt::format("{:<12} {:>6} {:>7} {:>24} {:>9} {:>24} {:>24}\n", "auditor", "faces", "chance",
                       "face (headline)", "worst at", "photo", "context floor");
    for (const AuditorSummary& a : s.auditors) {
      const auto *f = find(a.auditor, AuditProtocol::face), *p = find(a.auditor, AuditProtocol::photo),
                 *c = find(a.auditor, AuditProtocol::context_floor);
      if (!f) continue;
      out += fmt::format("{:<12} {:>6} {:>7} {:>24} {:>9} {:>24} {:>24}\n", a.auditor, f->faces, percent(f->chance),
                         ci(f->worst_rank1), f->worst_variant, p ? ci(p->worst_rank1) : "-",
                         c ? ci(c->worst_rank1) : "-");
    }
    out += "(face: both sides cut out by the same face hull, the rest grey; photo: context included; context floor:\n"
           " the face filled grey, context included: what the photo alone gives away)\n\n";
  }
  out += fmt::format("{:<12} {:>6} {:>8} {:>12} {:>11} {:>9} {:>14} {:>20}\n", "auditor", "faces", "chance",
                     "R1 original", "R1 own crop", "verified", "leakage ratio", "mean dist/threshold");
  for (const AuditorSummary& a : s.auditors) {
    out += fmt::format("{:<12} {:>6} {:>8} {:>12} {:>11} {:>9} {:>14.3f} {:>20}\n", a.auditor, a.faces,
                       percent(a.chance), percent(a.rank1_original), percent(a.rank1_private),
                       percent(a.verification_rate), a.leakage_ratio,
                       fmt::format("{:.3f} / {:.3f}", a.mean_distance, a.threshold));
  }
  out += "\n";
  out += fmt::format("expression agreement (masked faces count as disagreements)  {} {}", info.expression_model,
                     ci(s.agreement_interval));
  if (s.second_agreement >= 0)
    out += fmt::format("   {} (independent) {}", info.second_expression_model, ci(s.second_agreement_interval));
  if (s.models_agree >= 0)
    out += fmt::format("\n(the two models give the same top class on {} of the originals: the reference for the "
                       "independent model's agreement)",
                       ci(s.models_agree_interval));
  out += fmt::format("\nmean KL(original||private) {:.4f} nats   masked {}\n\n", s.mean_kl, percent(s.masked_share));

  // The verdict, with the reason for each failing part.
  const bool met = meets_target(s);
  out += fmt::format("TARGET {}: rank-1 re-identification <= {} for every auditor while agreement >= {} ({} for the "
                     "independent model) with at most {} masked\n",
                     met ? "MET" : "NOT MET", percent(kTargetMaxRank1), percent(kTargetMinAgreement),
                     percent(kTargetMinSecondAgreement), percent(kTargetMaxMasked));
  for (const AuditorSummary& a : s.auditors) {
    const ProtocolAuditorSummary* f = find(a.auditor, AuditProtocol::face);
    const double r1 = f ? f->worst_rank1.value : a.rank1_private;
    out += fmt::format("  {:<12} rank-1 {:>7} {} {} ({})\n", a.auditor, percent(r1), r1 <= kTargetMaxRank1 ? "<=" : "> ",
                       percent(kTargetMaxRank1), f ? "face protocol, worst crop" : "photo, own crop");
    if (a.chance > kTargetMaxRank1)
      out += fmt::format("  {:<12} note: with {} face(s) chance alone is {}; the target needs a larger gallery\n", "",
                         a.faces, percent(a.chance));
  }
  out += fmt::format("  {:<12} agreement {:>7} {} {}\n", info.expression_model, percent(s.agreement),
                     s.agreement >= kTargetMinAgreement ? ">=" : "< ", percent(kTargetMinAgreement));
  if (s.second_agreement >= 0)
    out += fmt::format("  {:<12} agreement {:>7} {} {}\n", info.second_expression_model, percent(s.second_agreement),
                       s.second_agreement >= kTargetMinSecondAgreement ? ">=" : "< ",
                       percent(kTargetMinSecondAgreement));
  out += fmt::format("  {:<12} {:>17} {} {}\n", "masked", percent(s.masked_share),
                     s.masked_share <= kTargetMaxMasked ? "<=" : "> ", percent(kTargetMaxMasked));
  return out;
}

}  // namespace ferguard
