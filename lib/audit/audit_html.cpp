// report.html from audit.json. The page is written for a reader who is not an ML person: the verdict in words first,
// then the tables, then the charts. No network at all (Chart.js and the thumbnails are inlined), so the file can be
// archived, mailed and printed as it is.
#include "audit/audit_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>

#include "audit/audit_html_assets.h"
#include "detail/check.h"
#include "detail/data_dirs.h"

#ifndef FERGUARD_DEFAULT_CHARTJS_DIR
#define FERGUARD_DEFAULT_CHARTJS_DIR ""
#endif

namespace ferguard::detail {
namespace {

using json = nlohmann::json;

enum class Fmt { kPct, kInt, kF1, kF2, kText };

const char* fmt_name(Fmt f) {
  switch (f) {
    case Fmt::kPct:
      return "pct";
    case Fmt::kInt:
      return "int";
    case Fmt::kF1:
      return "f1";
    case Fmt::kF2:
      return "f2";
    case Fmt::kText:
      return "text";
  }
  return "";
}

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string pct(double v) { return fmt::format("{:.1f}%", v * 100.0); }

std::string format_value(const json& v, Fmt f) {
  switch (f) {
    case Fmt::kPct:
      return pct(v.get<double>());
    case Fmt::kInt:
      return v.is_number_integer() ? fmt::format("{}", v.get<long long>())
                                   : fmt::format("{}", std::llround(v.get<double>()));
    case Fmt::kF1:
      return fmt::format("{:.1f}", v.get<double>());
    case Fmt::kF2:
      return fmt::format("{:.2f}", v.get<double>());
    case Fmt::kText:
      return v.get<std::string>();
  }
  return "";
}

// A member, or null when `j` is not an object or lacks it: readers tolerate missing fields.
const json& get(const json& j, const char* key) {
  static const json null_value;
  if (!j.is_object()) return null_value;
  auto it = j.find(key);
  return it == j.end() ? null_value : *it;
}

std::string text_of(const json& j, const char* key, const char* fallback = "") {
  const json& v = get(j, key);
  return v.is_string() ? v.get<std::string>() : fallback;
}

double number_of(const json& j, const char* key, double fallback = 0.0) {
  const json& v = get(j, key);
  return v.is_number() ? v.get<double>() : fallback;
}

bool is_rate(const json& v) { return v.is_number() && std::isfinite(v.get<double>()); }

// The value of an RI, or the number itself (a reader accepts either).
const json& ri_value(const json& v) { return v.is_object() ? get(v, "value") : v; }

std::string base64(std::string_view bytes) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) | std::uint8_t(bytes[i + 2]);
    out += {k[n >> 18], k[(n >> 12) & 63], k[(n >> 6) & 63], k[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    const unsigned n = std::uint8_t(bytes[i]) << 16;
    out += {k[n >> 18], k[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const unsigned n = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8);
    out += {k[n >> 18], k[(n >> 12) & 63], k[(n >> 6) & 63], '='};
  }
  return out;
}

std::string protocol_title(const std::string& p) {
  if (p == "face") return "Face";
  if (p == "photo") return "Photo";
  if (p == "context_floor") return "Context floor";
  return p;
}

std::string read_chartjs() {
  const std::string path = resolve_chartjs_path();
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path))
    throw ModelError(fmt::format(
        "Chart.js '{}': file not found (the audit report inlines it; `ferguard models install`, or in a source tree "
        "scripts/fetch_models.sh; or set FERGUARD_CHARTJS to a chart.umd.js)",
        path));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty() || text.find("Chart") == std::string::npos)
    throw ModelError(
        fmt::format("Chart.js '{}': expected the Chart.js UMD build, got {} bytes without it", path, text.size()));
  return text;
}

// Inline <script> content must not close its element early; JSON and Chart.js are both safe with "<" written \u003c
// (in JSON strings) and "</script" never appears in Chart.js (checked).
std::string script_safe_json(const json& j) {
  const std::string s = j.dump();
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

class Page {
 public:
  Page(const json& audit, const AuditHtmlOptions& options) : a_(audit), opt_(options) {}

  std::string render(const std::string& chartjs) {
    head();
    out_ += "<body data-rendered=\"0\">\n<script>";
    out_ += kErrorTrap;
    out_ += "</script>\n<main>\n";
    title();
    verdict();
    notices();
    summary();
    how_to_read();
    charts();
    faces();
    details();
    footer();
    out_ += "</main>\n<script type=\"application/json\" id=\"ferguard-chart-data\">";
    out_ += script_safe_json(chart_data_);
    out_ += "</script>\n<script>\n";
    out_ += chartjs;
    out_ += "\n</script>\n<script>";
    out_ += kChartsJs;
    out_ += "</script>\n</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  // The element showing the value at `ptr` (a JSON pointer into the audit), or a dash when it is absent or not of the
  // expected type.
  std::string field(const std::string& ptr, Fmt f) const {
    const json::json_pointer p(ptr);
    if (!a_.contains(p)) return "<span class=\"na\">&ndash;</span>";
    const json& v = a_.at(p);
    const bool ok = f == Fmt::kText ? v.is_string() : is_rate(v);
    if (!ok) return "<span class=\"na\">&ndash;</span>";
    return fmt::format("<span data-field=\"{}\" data-format=\"{}\">{}</span>", esc(ptr), fmt_name(f),
                       esc(format_value(v, f)));
  }
  // An RI at `ptr` (or a plain rate): the value cell, and the interval cell.
  std::string ri_cells(const std::string& ptr, double chance = -1.0) const {
    const json::json_pointer p(ptr);
    const json* v = a_.contains(p) ? &a_.at(p) : nullptr;
    if (v && v->is_object()) {
      return fmt::format("<td class=\"n\">{}{}</td><td class=\"ci\">{} &ndash; {}</td>",
                         field(ptr + "/value", Fmt::kPct), mini_bar(get(*v, "value"), chance),
                         field(ptr + "/lo", Fmt::kPct), field(ptr + "/hi", Fmt::kPct));
    }
    return fmt::format("<td class=\"n\">{}{}</td><td class=\"ci\"></td>", field(ptr, Fmt::kPct),
                       v ? mini_bar(*v, chance) : std::string());
  }
  static std::string mini_bar(const json& value, double chance) {
    if (!is_rate(value)) return "";
    const double v = std::clamp(value.get<double>(), 0.0, 1.0);
    std::string out = fmt::format(
        "<span class=\"bartrack\" aria-hidden=\"true\"><span class=\"bar\" style=\"width:{:.0f}px\"></span>", v * 60.0);
    if (chance >= 0.0 && chance <= 1.0)
      out += fmt::format("<span class=\"chance\" style=\"left:{:.0f}px\"></span>", chance * 59.0);
    return out + "</span>";
  }
  std::string not_run(const char* section) const {
    std::string why = "not run";
    const std::string s = section;
    const json& inputs = get(a_, "inputs");
    const json& options = get(a_, "options");
    if (s == "cross_photo" || s == "adaptive") {
      why = number_of(inputs, "identities") <= 0 ? "no identities were given (--identities)"
                                                 : "no identity has faces in two different photos";
    } else if (s == "reversal") {
      const json& sig = get(options, "reversal_sigmas");
      if (sig.is_array() && sig.empty()) why = "the reversal attacker was off (no reversal sigmas)";
    } else if (s == "soft_biometrics") {
      if (get(options, "soft_biometrics").is_boolean() && !get(options, "soft_biometrics").get<bool>())
        why = "soft biometrics were off";
    }
    return fmt::format("<p class=\"not-run\">Not run ({}).</p>\n", esc(why));
  }

  void head() {
    out_ += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out_ += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    // No network: nothing may be fetched, not even by a stray URL in the data.
    out_ +=
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n";
    out_ +=
        fmt::format("<title>Privacy audit: {} faces</title>\n", std::llround(number_of(get(a_, "inputs"), "faces")));
    out_ += "<style>";
    out_ += kCss;
    out_ += "</style>\n</head>\n";
  }

  void title() {
    const json& in = get(a_, "inputs");
    out_ += "<h1>Privacy audit of anonymised faces</h1>\n<p class=\"meta\">";
    std::vector<std::string> parts;
    if (get(in, "anonymised").is_string())
      parts.push_back(fmt::format("anonymised photos <b>{}</b>", esc(text_of(in, "anonymised"))));
    if (get(in, "originals").is_string())
      parts.push_back(fmt::format("originals <b>{}</b>", esc(text_of(in, "originals"))));
    parts.push_back(
        fmt::format("{} photo pairs, {} faces", field("/inputs/images", Fmt::kInt), field("/inputs/faces", Fmt::kInt)));
    parts.push_back(fmt::format("ferguard {} (git {})", esc(text_of(a_, "ferguard_version", "?")),
                                esc(text_of(a_, "ferguard_commit", "?"))));
    out_ += fmt::format("{}", fmt::join(parts, " &middot; "));
    out_ += "</p>\n";
  }

  // The best auditor (highest rank-1) among the summary rows of `protocol`, or -1.
  int best_summary_row(const std::string& protocol) const {
    const json& s = get(a_, "summary");
    int best = -1;
    if (!s.is_array()) return best;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (text_of(s[i], "protocol") != protocol || !is_rate(ri_value(get(s[i], "rank1")))) continue;
      if (best < 0 || ri_value(get(s[i], "rank1")).get<double>() > ri_value(get(s[best], "rank1")).get<double>())
        best = static_cast<int>(i);
    }
    return best;
  }

  void verdict() {
    out_ += "<section class=\"verdict\" id=\"verdict\">\n";
    const int f = best_summary_row("face");
    if (f < 0) {
      out_ += "<p>No face-protocol result: the audit found no face to re-identify.</p>\n</section>\n";
      return;
    }
    const json& row = get(a_, "summary")[f];
    const std::string base = fmt::format("/summary/{}", f);
    const json& r1 = get(row, "rank1");
    const double value = ri_value(r1).get<double>();
    const double lo = is_rate(get(r1, "lo")) ? get(r1, "lo").get<double>() : value;
    const double chance = number_of(row, "chance", 0.0);
    const long long faces = std::llround(number_of(row, "faces"));
    const bool leaks = lo > chance;
    out_ += fmt::format("<span class=\"badge {}\">{}</span>\n", leaks ? "bad" : "good",
                        leaks ? "identity still recognisable" : "not distinguishable from guessing");
    out_ += fmt::format(
        "<p>Under the <b>face</b> protocol, the best auditor (<b>{}</b>) re-identified <b>{} of {}</b> faces "
        "({}, 95&nbsp;% interval {} &ndash; {}); guessing would find {}. ",
        esc(text_of(row, "auditor")), std::llround(value * faces), faces, field(base + "/rank1/value", Fmt::kPct),
        field(base + "/rank1/lo", Fmt::kPct), field(base + "/rank1/hi", Fmt::kPct), field(base + "/chance", Fmt::kPct));
    out_ += leaks ? "That is more than chance: to this recogniser, the anonymised faces still reveal who they are."
                  : "At this number of faces that cannot be told apart from chance.";
    const int p = best_summary_row("photo"), c = best_summary_row("context_floor");
    if (p >= 0 && c >= 0) {
      out_ += fmt::format(
          " With the whole photo (<b>photo</b> protocol) the best auditor reached {}; the surroundings alone, the face "
          "greyed out (<b>context floor</b>), already give {}: no anonymisation of the face can go below that.",
          field(fmt::format("/summary/{}/rank1/value", p), Fmt::kPct),
          field(fmt::format("/summary/{}/rank1/value", c), Fmt::kPct));
    }
    out_ += "</p>\n";
    // Cross-photo: the threat with other photos of the person.
    const json& cross = get(a_, "cross_photo");
    const json& cres = get(cross, "results");
    if (cres.is_array()) {
      int best = -1;
      for (std::size_t i = 0; i < cres.size(); ++i) {
        if (text_of(cres[i], "protocol") != "face" || !is_rate(ri_value(get(cres[i], "rank1")))) continue;
        if (best < 0 ||
            ri_value(get(cres[i], "rank1")).get<double>() > ri_value(get(cres[best], "rank1")).get<double>())
          best = static_cast<int>(i);
      }
      if (best >= 0)
        out_ += fmt::format(
            "<p>Given <b>other photos</b> of the same people, the best auditor ({}) named the right person first for "
            "{} "
            "of the faces (chance {}).</p>\n",
            esc(text_of(cres[best], "auditor")),
            field(fmt::format("/cross_photo/results/{}/rank1/value", best), Fmt::kPct),
            field(fmt::format("/cross_photo/results/{}/chance", best), Fmt::kPct));
    }
    const json& expr = get(get(a_, "utility"), "expression");
    if (expr.is_array() && !expr.empty()) {
      out_ += fmt::format(
          "<p>What the faces still serve: the expression read by <b>{}</b> stayed the same on {} of the faces (chance "
          "{})",
          esc(text_of(expr[0], "model")), field("/utility/expression/0/agreement/value", Fmt::kPct),
          field("/utility/expression/0/chance", Fmt::kPct));
      if (get(get(get(a_, "utility"), "redetection"), "rate").is_object())
        out_ += fmt::format("; a face detector still found {} of the faces",
                            field("/utility/redetection/rate/value", Fmt::kPct));
      out_ += ".</p>\n";
    }
    out_ += "</section>\n";
  }

  void notices() {
    const json& w = get(a_, "warnings");
    if (w.is_array() && !w.empty()) {
      out_ += fmt::format("<div class=\"notice warn\" id=\"warnings\"><b>{} warning{}</b><ul>\n", w.size(),
                          w.size() == 1 ? "" : "s");
      for (const auto& s : w)
        out_ += fmt::format("<li>{}</li>\n", esc(s.is_string() ? s.get<std::string>() : s.dump()));
      out_ += "</ul></div>\n";
    }
    const json& e = get(a_, "errors");
    if (e.is_array() && !e.empty()) {
      out_ += fmt::format(
          "<div class=\"notice err\" id=\"errors\"><b>{} input{} could not be audited</b> (not counted in any "
          "rate)<ul>\n",
          e.size(), e.size() == 1 ? "" : "s");
      for (const auto& x : e)
        out_ +=
            fmt::format("<li><code>{}</code>: {}</li>\n", esc(text_of(x, "input", "?")), esc(text_of(x, "message")));
      out_ += "</ul></div>\n";
    }
    out_ += "<div class=\"notice err\" id=\"js-errors\" hidden></div>\n";
  }

  void summary() {
    out_ += "<h2 id=\"summary\">Summary</h2>\n";
    same_photo_table();
    cross_photo_table();
    adaptive_table();
    reversal_table();
    utility_table();
    soft_table();
  }

  void same_photo_table() {
    out_ += "<h3>Re-identification against the original photos (same photo)</h3>\n";
    out_ +=
        "<p class=\"note\">Share of anonymised faces a recogniser matched first to their own original, at the crop "
        "least favourable to privacy.</p>\n";
    const json& s = get(a_, "summary");
    if (!s.is_array() || s.empty()) {
      out_ += "<p class=\"not-run\">Not run (no face audited).</p>\n";
      return;
    }
    out_ +=
        "<table id=\"table-summary\"><thead><tr><th>Auditor</th><th>Protocol</th><th class=\"n\">Faces</th>"
        "<th class=\"n\">Re-identified (rank-1)</th><th>95&nbsp;% interval</th><th class=\"n\">Chance</th>"
        "<th>Worst crop</th></tr></thead><tbody>\n";
    std::string last;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const std::string base = fmt::format("/summary/{}", i);
      const std::string auditor = text_of(s[i], "auditor");
      const bool group = i > 0 && auditor != last;
      last = auditor;
      out_ +=
          fmt::format("<tr{}><td>{}</td><td>{}</td><td class=\"n\">{}</td>{}<td class=\"n\">{}</td><td>{}</td></tr>\n",
                      group ? " class=\"group\"" : "", field(base + "/auditor", Fmt::kText),
                      esc(protocol_title(text_of(s[i], "protocol"))), field(base + "/faces", Fmt::kInt),
                      ri_cells(base + "/rank1", number_of(s[i], "chance", -1.0)), field(base + "/chance", Fmt::kPct),
                      field(base + "/worst_variant", Fmt::kText));
    }
    out_ += "</tbody></table>\n";
  }

  void cross_photo_table() {
    out_ += "<h3>Re-identification from other photos of the person (cross-photo)</h3>\n";
    const json& c = get(a_, "cross_photo");
    if (!c.is_object()) {
      out_ += not_run("cross_photo");
      return;
    }
    out_ += fmt::format(
        "<p class=\"note\">{} probes, {} identities. TAR at FAR: the share of true matches accepted at "
        "the distance threshold that lets 1&nbsp;% (0.1&nbsp;%) of strangers through.</p>\n",
        field("/cross_photo/probes", Fmt::kInt), field("/cross_photo/identities", Fmt::kInt));
    out_ +=
        "<table id=\"table-cross-photo\"><thead><tr><th>Auditor</th><th>Protocol</th><th class=\"n\">Rank-1</th>"
        "<th>95&nbsp;% interval</th><th class=\"n\">Chance</th><th class=\"n\">TAR @ FAR 1&nbsp;%</th>"
        "<th class=\"n\">TAR @ FAR 0.1&nbsp;%</th></tr></thead><tbody>\n";
    const json& res = get(c, "results");
    for (std::size_t i = 0; res.is_array() && i < res.size(); ++i) {
      const std::string base = fmt::format("/cross_photo/results/{}", i);
      auto tar_at = [&](double far) {
        const json& fp = get(res[i], "far_points");
        for (std::size_t k = 0; fp.is_array() && k < fp.size(); ++k)
          if (std::abs(number_of(fp[k], "far", -1.0) - far) < far * 1e-6)
            return field(fmt::format("{}/far_points/{}/tar/value", base, k), Fmt::kPct);
        return std::string("<span class=\"na\">&ndash;</span>");
      };
      out_ += fmt::format(
          "<tr><td>{}</td><td>{}</td>{}<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
          field(base + "/auditor", Fmt::kText), esc(protocol_title(text_of(res[i], "protocol"))),
          ri_cells(base + "/rank1", number_of(res[i], "chance", -1.0)), field(base + "/chance", Fmt::kPct),
          tar_at(0.01), tar_at(0.001));
    }
    out_ += "</tbody></table>\n";
  }

  void adaptive_table() {
    out_ += "<h3>An attacker that learns from anonymised faces (adaptive)</h3>\n";
    const json& ad = get(a_, "adaptive");
    if (!ad.is_object()) {
      out_ += not_run("adaptive");
      return;
    }
    out_ +=
        "<p class=\"note\">Trained on anonymised photos of each person, tested on their other anonymised photos. "
        "Leakage: 0 = no better than chance, 100&nbsp;% = as good as on the originals.</p>\n";
    out_ +=
        "<table id=\"table-adaptive\"><thead><tr><th>Auditor</th><th>Protocol</th><th class=\"n\">Accuracy</th>"
        "<th>95&nbsp;% interval</th><th class=\"n\">On originals</th><th class=\"n\">Chance</th>"
        "<th class=\"n\">Leakage</th></tr></thead><tbody>\n";
    const json& res = get(ad, "results");
    for (std::size_t i = 0; res.is_array() && i < res.size(); ++i) {
      const std::string base = fmt::format("/adaptive/results/{}", i);
      const std::string clean =
          get(res[i], "accuracy_clean").is_object() ? base + "/accuracy_clean/value" : base + "/accuracy_clean";
      out_ += fmt::format(
          "<tr><td>{}</td><td>{}</td>{}<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
          field(base + "/auditor", Fmt::kText), esc(protocol_title(text_of(res[i], "protocol"))),
          ri_cells(base + "/accuracy", number_of(res[i], "chance", -1.0)), field(clean, Fmt::kPct),
          field(base + "/chance", Fmt::kPct), field(base + "/leakage", Fmt::kPct));
    }
    out_ += "</tbody></table>\n";
  }

  void reversal_table() {
    out_ += "<h3>Undoing the anonymisation, then recognising (reversal)</h3>\n";
    const json& rv = get(a_, "reversal");
    if (!rv.is_object()) {
      out_ += not_run("reversal");
      return;
    }
    if (get(rv, "applies_to").is_string())
      out_ += fmt::format("<p class=\"note\">Applies to: {}.</p>\n", esc(text_of(rv, "applies_to")));
    out_ +=
        "<table id=\"table-reversal\"><thead><tr><th>Auditor</th><th class=\"n\">Rank-1 as published</th>"
        "<th class=\"n\">Rank-1 after reversal</th><th>95&nbsp;% interval</th><th class=\"n\">Best sigma</th>"
        "<th class=\"n\">Chance</th></tr></thead><tbody>\n";
    const json& res = get(rv, "results");
    for (std::size_t i = 0; res.is_array() && i < res.size(); ++i) {
      const std::string base = fmt::format("/reversal/results/{}", i);
      const std::string without =
          get(res[i], "rank1_without").is_object() ? base + "/rank1_without/value" : base + "/rank1_without";
      out_ +=
          fmt::format("<tr><td>{}</td><td class=\"n\">{}</td>{}<td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                      field(base + "/auditor", Fmt::kText), field(without, Fmt::kPct),
                      ri_cells(base + "/rank1", number_of(res[i], "chance", -1.0)),
                      field(base + "/best_sigma", Fmt::kF2), field(base + "/chance", Fmt::kPct));
    }
    out_ += "</tbody></table>\n";
  }

  void utility_table() {
    out_ += "<h3>What the anonymised faces still serve (utility)</h3>\n";
    const json& u = get(a_, "utility");
    if (!u.is_object()) {
      out_ += "<p class=\"not-run\">Not run (no utility measured).</p>\n";
      return;
    }
    out_ +=
        "<table id=\"table-utility\"><thead><tr><th>Measure</th><th class=\"n\">Faces</th><th class=\"n\">Rate</th>"
        "<th>95&nbsp;% interval</th><th class=\"n\">Chance</th><th>Also</th></tr></thead><tbody>\n";
    const json& ex = get(u, "expression");
    for (std::size_t i = 0; ex.is_array() && i < ex.size(); ++i) {
      const std::string base = fmt::format("/utility/expression/{}", i);
      out_ += fmt::format(
          "<tr><td>Expression unchanged: {} <span class=\"note\">({})</span></td><td class=\"n\">{}</td>{}"
          "<td class=\"n\">{}</td><td>mean KL {} nats</td></tr>\n",
          field(base + "/model", Fmt::kText), esc(text_of(ex[i], "role")), field(base + "/faces", Fmt::kInt),
          ri_cells(base + "/agreement", number_of(ex[i], "chance", -1.0)), field(base + "/chance", Fmt::kPct),
          field(base + "/mean_kl", Fmt::kF2));
      if (ex[i].contains("originals_agree_with_ferguard"))
        out_ += fmt::format(
            "<tr><td>&nbsp;&nbsp;reference: on the originals, {} gives ferguard's model's top class</td>"
            "<td class=\"n\">{}</td>{}<td class=\"n\"></td><td></td></tr>\n",
            field(base + "/model", Fmt::kText), field(base + "/faces", Fmt::kInt),
            ri_cells(base + "/originals_agree_with_ferguard"));
    }
    if (get(u, "redetection").is_object()) {
      out_ += fmt::format(
          "<tr><td>Face re-detected (box overlap IoU &ge; {})</td><td class=\"n\">{}</td>{}<td "
          "class=\"n\"></td><td></td></tr>\n",
          field("/utility/redetection/min_iou", Fmt::kF1), field("/utility/redetection/faces", Fmt::kInt),
          ri_cells("/utility/redetection/rate"));
    }
    if (get(u, "landmark_error").is_object()) {
      out_ += fmt::format(
          "<tr><td>Landmark shift of re-detected faces (inter-ocular distances)</td><td class=\"n\">{}</td>"
          "<td class=\"n\">{}</td><td class=\"ci\">median {}</td><td class=\"n\"></td><td></td></tr>\n",
          field("/utility/landmark_error/faces", Fmt::kInt), field("/utility/landmark_error/mean", Fmt::kF2),
          field("/utility/landmark_error/median", Fmt::kF2));
    }
    if (get(u, "outside_faces").is_object()) {
      out_ += fmt::format(
          "<tr><td>Photo outside the faces (PSNR, dB; 100 = unchanged)</td><td class=\"n\">{} img</td>"
          "<td class=\"n\">{}</td><td class=\"ci\">lowest {}</td><td class=\"n\"></td><td>{} images "
          "identical</td></tr>\n",
          field("/utility/outside_faces/images", Fmt::kInt), field("/utility/outside_faces/psnr_mean", Fmt::kF1),
          field("/utility/outside_faces/psnr_min", Fmt::kF1),
          field("/utility/outside_faces/identical_images", Fmt::kInt));
    }
    out_ += "</tbody></table>\n";
  }

  void soft_table() {
    out_ += "<h3>Age and gender (soft biometrics)</h3>\n";
    const json& s = get(a_, "soft_biometrics");
    if (!s.is_object()) {
      out_ += not_run("soft_biometrics");
      return;
    }
    out_ +=
        "<table id=\"table-soft\"><thead><tr><th>Measure</th><th class=\"n\">Faces</th><th class=\"n\">Value</th>"
        "<th>95&nbsp;% interval</th><th>Note</th></tr></thead><tbody>\n";
    out_ += fmt::format(
        "<tr><td>Predicted gender changed ({})</td><td class=\"n\">{}</td>{}<td>chance of a change {}</td></tr>\n",
        field("/soft_biometrics/model", Fmt::kText), field("/soft_biometrics/faces", Fmt::kInt),
        ri_cells("/soft_biometrics/gender_flip"), field("/soft_biometrics/gender_flip_chance", Fmt::kPct));
    out_ += fmt::format(
        "<tr><td>Predicted age: mean absolute change (years)</td><td class=\"n\"></td><td class=\"n\">{}</td>"
        "<td class=\"ci\"></td><td>mean shift {} years (anonymised minus original)</td></tr>\n",
        field("/soft_biometrics/age_mae", Fmt::kF1), field("/soft_biometrics/age_change_mean", Fmt::kF1));
    out_ += "</tbody></table>\n";
  }

  void how_to_read() {
    out_ += R"HTML(<h2 id="how-to-read">How to read this report</h2>
<dl class="howto">
<dt>Auditors and rank-1</dt><dd>An auditor is a face recogniser that had no part in the anonymisation. For every
anonymised face it ranks all the original faces by likeness; <b>rank-1</b> is the share of faces whose own original
came first, i.e. the person was re-identified. Lower is more private.</dd>
<dt>Chance</dt><dd>What pure guessing would achieve (1 in the number of candidates). A rate whose 95&nbsp;% interval
includes chance cannot be told apart from guessing with this many faces; the interval narrows with more faces.</dd>
<dt>Protocols</dt><dd><b>Face</b>: everything outside the face outline is greyed out on both sides, so only the face
itself is compared: the headline. <b>Photo</b>: whole photos are compared, face and surroundings (hair, clothes,
background). <b>Context floor</b>: the face is greyed out and only the surroundings remain: how much the photo
identifies by itself. The photo protocol can never go below the context floor, whatever is done to the face.</dd>
<dt>Crop variants</dt><dd>Each auditor also sees the face cut slightly larger, smaller or shifted; protection tuned to
one exact crop often fails at another, so the report keeps the worst (most identifying) crop.</dd>
<dt>Attackers</dt><dd><b>Same photo</b>: the attacker holds the original photos. <b>Cross-photo</b>: the attacker
holds other photos of the people. <b>Adaptive</b>: the attacker learns from anonymised photos of the people.
<b>Reversal</b>: the attacker tries to undo a blur before recognising. <b>TAR at FAR</b>: how often the true person is
accepted when the recogniser is set to let 1&nbsp;% or 0.1&nbsp;% of strangers through.</dd>
<dt>Utility</dt><dd>Whether the anonymised faces still serve their purpose: the same expression read by the expression
models, the face found again by a detector, and the rest of the photo left untouched. The <b>reference</b> row is how
often the independent expression model reads ferguard's model's expression on the untouched originals: the two models
disagree on some faces, and a method that keeps what ferguard's model reads can expect about that much agreement from
the independent one.</dd>
</dl>
)HTML";
  }

  void charts() {
    out_ += "<h2 id=\"charts\">Charts</h2>\n<div class=\"charts\">\n";
    const json& summary = get(a_, "summary");
    json auditors = json::array();
    for (const auto& au : get(a_, "auditors").is_array() ? get(a_, "auditors") : json::array())
      if (get(au, "name").is_string()) auditors.push_back(get(au, "name"));
    // Summary auditors not listed in auditors[] still get a colour and a bar group.
    for (const auto& row : summary.is_array() ? summary : json::array()) {
      const json& name = get(row, "auditor");
      if (name.is_string() && std::find(auditors.begin(), auditors.end(), name) == auditors.end())
        auditors.push_back(name);
    }
    chart_data_["auditors"] = auditors;
    auto rate_or_null = [](const json& v) { return is_rate(v) ? v : json(); };

    if (summary.is_array() && !summary.empty()) {
      json protocols = json::array();
      for (const auto& row : summary) {
        const json& p = get(row, "protocol");
        if (p.is_string() && std::find(protocols.begin(), protocols.end(), p) == protocols.end())
          protocols.push_back(p);
      }
      json series = json::array();
      for (const auto& p : protocols) {
        json values = json::array(), lo = json::array(), hi = json::array(), chance = json::array();
        for (const auto& au : auditors) {
          json v, l, h, c;
          for (const auto& row : summary) {
            if (get(row, "auditor") != au || get(row, "protocol") != p) continue;
            const json& r1 = get(row, "rank1");
            v = rate_or_null(ri_value(r1));
            l = rate_or_null(get(r1, "lo"));
            h = rate_or_null(get(r1, "hi"));
            c = rate_or_null(get(row, "chance"));
          }
          values.push_back(v);
          lo.push_back(l);
          hi.push_back(h);
          chance.push_back(c);
        }
        series.push_back({{"protocol", p},
                          {"label", protocol_title(p.get<std::string>())},
                          {"values", values},
                          {"lo", lo},
                          {"hi", hi},
                          {"chance", chance}});
      }
      chart_data_["rank1"] = {{"labels", auditors}, {"series", series}};
      figure("chart-rank1", "Re-identified faces (rank-1) per auditor and protocol",
             "Bars: worst crop; whiskers: 95&nbsp;% interval; dashed: chance.", true);
    }

    auto cmc_rows = [&](const json& rows, std::size_t& n) {
      json out = json::array();
      for (const auto& r : rows.is_array() ? rows : json::array()) {
        const json& cmc = get(r, "cmc");
        if (!cmc.is_array() || cmc.empty()) continue;
        n = std::max(n, cmc.size());
        out.push_back({{"label", fmt::format("{} / {}", text_of(r, "auditor"), protocol_title(text_of(r, "protocol")))},
                       {"auditor", get(r, "auditor")},
                       {"protocol", get(r, "protocol")},
                       {"cmc", cmc}});
      }
      return out;
    };
    std::size_t n_same = 0;
    json same = cmc_rows(get(a_, "same_photo"), n_same);
    if (!same.empty()) {
      chart_data_["cmc_same"] = {{"rows", same}, {"n", n_same}};
      figure("chart-cmc-same", "Same photo: the true person among the first k candidates (CMC)",
             "Own crop. Solid: face, dashed: photo, dotted: context floor; grey: chance.", false);
    }
    const json& cross = get(a_, "cross_photo");
    if (cross.is_object()) {
      std::size_t n_cross = 0;
      json rows = cmc_rows(get(cross, "results"), n_cross);
      if (!rows.empty()) {
        chart_data_["cmc_cross"] = {{"rows", rows}, {"n", n_cross}};
        figure("chart-cmc-cross", "Other photos: the true person among the first k (CMC)",
               "Solid: face, dashed: photo; grey: chance.", false);
      }
      json roc_rows = json::array();
      double xmin = 1e-3;
      for (const auto& r : get(cross, "results").is_array() ? get(cross, "results") : json::array()) {
        const json& roc = get(r, "roc");
        if (!roc.is_array() || roc.empty()) continue;
        json fps = json::array();
        for (const auto& fp : get(r, "far_points").is_array() ? get(r, "far_points") : json::array()) {
          const json& far = get(fp, "far");
          const json& tar = ri_value(get(fp, "tar"));
          if (is_rate(far) && is_rate(tar)) {
            fps.push_back(json::array({far, tar}));
            if (far.get<double>() > 0) xmin = std::min(xmin, far.get<double>());
          }
        }
        roc_rows.push_back(
            {{"label", fmt::format("{} / {}", text_of(r, "auditor"), protocol_title(text_of(r, "protocol")))},
             {"auditor", get(r, "auditor")},
             {"protocol", get(r, "protocol")},
             {"roc", roc},
             {"far_points", fps}});
      }
      if (!roc_rows.empty()) {
        chart_data_["roc"] = {{"rows", roc_rows}, {"xmin", xmin / 2}};
        figure(
            "chart-roc", "Other photos: true matches accepted against strangers accepted (ROC)",
            "Diamonds: the thresholds at FAR 1&nbsp;% and 0.1&nbsp;%; FAR 0 is drawn at the left edge; grey: chance.",
            false);
      }
    } else {
      out_ += "<figure id=\"chart-roc-missing\"><figcaption>Other photos (CMC, ROC)</figcaption>" +
              not_run("cross_photo") + "</figure>\n";
    }
    const json& ex = get(get(a_, "utility"), "expression");
    if (ex.is_array() && !ex.empty()) {
      json labels = json::array(), values = json::array(), lo = json::array(), hi = json::array(),
           chance = json::array();
      for (const auto& e : ex) {
        labels.push_back(fmt::format("{} ({})", text_of(e, "model"), text_of(e, "role")));
        const json& ag = get(e, "agreement");
        values.push_back(rate_or_null(ri_value(ag)));
        lo.push_back(rate_or_null(get(ag, "lo")));
        hi.push_back(rate_or_null(get(ag, "hi")));
        chance.push_back(rate_or_null(get(e, "chance")));
      }
      chart_data_["agreement"] = {{"labels", labels}, {"values", values}, {"lo", lo}, {"hi", hi}, {"chance", chance}};
      figure("chart-agreement", "Expression unchanged after anonymisation, per expression model",
             "Higher is better; whiskers: 95&nbsp;% interval; dashed: chance.", false);
    }
    out_ += "</div>\n";
  }

  void figure(const char* id, const char* caption, const char* note, bool wide) {
    out_ += fmt::format(
        "<figure{}><figcaption>{}<span>{}</span></figcaption><div class=\"chart\"><canvas id=\"{}\" role=\"img\" "
        "aria-label=\"{}\"></canvas></div></figure>\n",
        wide ? " class=\"wide\"" : "", caption, note, id, caption);
  }

  void faces() {
    out_ += "<h2 id=\"faces\">Faces</h2>\n";
    const json& faces = get(a_, "faces");
    if (!faces.is_array() || faces.empty()) {
      out_ += "<p class=\"not-run\">No face was audited.</p>\n";
      return;
    }
    const bool thumbs = !opt_.thumbnails.empty();
    out_ +=
        "<p class=\"note\">Ranks at the own crop per protocol (face / photo / context floor); <span class=\"chip "
        "hit\">1</span> = re-identified. &#10003; verified: within the auditor's match threshold of its own "
        "original.</p>\n";
    out_ += "<table class=\"faces\" id=\"table-faces\"><thead><tr><th>#</th><th>Photo</th>";
    if (thumbs) out_ += "<th>Original &middot; anonymised</th>";
    out_ += "<th>Auditors: rank</th><th>Re-detected</th><th>Expression</th><th>Age, gender</th></tr></thead><tbody>\n";
    for (std::size_t i = 0; i < faces.size(); ++i) {
      const json& f = faces[i];
      const std::string base = fmt::format("/faces/{}", i);
      out_ +=
          fmt::format("<tr><td class=\"n\">{}</td><td>{}<br><span class=\"note\">face index {}{}</span></td>", i + 1,
                      field(base + "/image", Fmt::kText), field(base + "/index", Fmt::kInt),
                      get(f, "identity").is_string() ? ", " + field(base + "/identity", Fmt::kText) : std::string());
      if (thumbs) {
        out_ += "<td>";
        for (const std::string* png : {&opt_.thumbnails[i].first, &opt_.thumbnails[i].second})
          if (!png->empty())
            out_ += fmt::format("<img class=\"thumb\" alt=\"{}\" src=\"data:image/png;base64,{}\">",
                                png == &opt_.thumbnails[i].first ? "original" : "anonymised", base64(*png));
        out_ += "</td>";
      }
      out_ += "<td>";
      const json& auds = get(f, "auditors");
      for (std::size_t k = 0; auds.is_array() && k < auds.size(); ++k) {
        const json& au = auds[k];
        out_ += fmt::format("<div><b>{}</b> ", esc(text_of(au, "auditor")));
        const json& rank = get(au, "rank");
        if (rank.is_object()) {
          const json& order = get(get(a_, "options"), "protocols");
          std::vector<std::string> names;
          if (order.is_array())
            for (const auto& p : order)
              if (p.is_string() && rank.contains(p.get<std::string>())) names.push_back(p.get<std::string>());
          for (auto it = rank.begin(); it != rank.end(); ++it)
            if (std::find(names.begin(), names.end(), it.key()) == names.end()) names.push_back(it.key());
          for (const auto& p : names) {
            const json& r = rank[p];
            const bool hit = r.is_number() && r.get<double>() == 1.0;
            out_ += fmt::format("<span class=\"chip{}\" title=\"{}\">{} {}</span>", hit ? " hit" : "",
                                esc(protocol_title(p)), esc(p == "context_floor" ? "floor" : p),
                                r.is_number() ? field(fmt::format("{}/auditors/{}/rank/{}", base, k, p), Fmt::kInt)
                                              : std::string("&ndash;"));
          }
        }
        if (get(au, "verified").is_boolean() && get(au, "verified").get<bool>())
          out_ += " <span class=\"no\" title=\"verified\">&#10003;</span>";
        out_ += "</div>";
      }
      out_ += "</td>";
      if (get(f, "redetected").is_boolean())
        out_ += get(f, "redetected").get<bool>()
                    ? fmt::format("<td><span class=\"ok\">yes</span> <span class=\"note\">IoU {}</span></td>",
                                  field(base + "/iou", Fmt::kF2))
                    : std::string("<td><span class=\"no\">no</span></td>");
      else
        out_ += "<td>&ndash;</td>";
      out_ += "<td>";
      const json& ex = get(f, "expression");
      for (std::size_t k = 0; ex.is_array() && k < ex.size(); ++k) {
        const bool agree = get(ex[k], "agree").is_boolean() && get(ex[k], "agree").get<bool>();
        out_ += fmt::format("<div>{}: {} &rarr; {} <span class=\"{}\">{}</span></div>", esc(text_of(ex[k], "model")),
                            esc(text_of(ex[k], "original", "?")), esc(text_of(ex[k], "anonymised", "?")),
                            agree ? "ok" : "no", agree ? "&#10003;" : "&#10007;");
      }
      out_ += "</td><td>";
      const json& at = get(f, "attributes");
      if (at.is_object()) {
        auto gender = [&](const char* key) {
          const json& v = get(at, key);
          return v.is_boolean() ? (v.get<bool>() ? "M" : "F") : "?";
        };
        out_ += fmt::format("{} {} &rarr; {} {}", gender("male_original"),
                            field(base + "/attributes/age_original", Fmt::kF1), gender("male_anonymised"),
                            field(base + "/attributes/age_anonymised", Fmt::kF1));
      } else {
        out_ += "&ndash;";
      }
      out_ += "</td></tr>\n";
    }
    out_ += "</tbody></table>\n";
  }

  void details() {
    out_ += "<h2 id=\"details\">Run details</h2>\n";
    const json& opts = get(a_, "options");
    std::vector<std::string> variants;
    for (const auto& v : get(opts, "crop_variants").is_array() ? get(opts, "crop_variants") : json::array())
      variants.push_back(esc(text_of(v, "name", "?")));
    std::vector<std::string> protocols, models;
    for (const auto& p : get(opts, "protocols").is_array() ? get(opts, "protocols") : json::array())
      if (p.is_string()) protocols.push_back(esc(p.get<std::string>()));
    for (const auto& p : get(opts, "expression_models").is_array() ? get(opts, "expression_models") : json::array())
      if (p.is_string()) models.push_back(esc(p.get<std::string>()));
    out_ += "<table id=\"table-details\"><tbody>\n";
    out_ += fmt::format(
        "<tr><th>Inputs</th><td>{} photo pairs audited, {} failed; {} faces; {} identities given</td></tr>\n",
        field("/inputs/images", Fmt::kInt), field("/inputs/failed", Fmt::kInt), field("/inputs/faces", Fmt::kInt),
        field("/inputs/identities", Fmt::kInt));
    out_ += fmt::format("<tr><th>Protocols</th><td>{}</td></tr>\n<tr><th>Crop variants</th><td>{}</td></tr>\n",
                        fmt::join(protocols, ", "), fmt::join(variants, ", "));
    out_ += fmt::format("<tr><th>Intervals</th><td>{} bootstrap resamples, seed {}; warning below {} faces</td></tr>\n",
                        field("/options/bootstrap", Fmt::kInt), field("/options/seed", Fmt::kInt),
                        field("/options/min_faces", Fmt::kInt));
    out_ += fmt::format("<tr><th>Expression models</th><td>{}</td></tr>\n", fmt::join(models, ", "));
    out_ += fmt::format("<tr><th>Time</th><td>{} s ({} s per face)</td></tr>\n", field("/timing/seconds", Fmt::kF1),
                        field("/timing/seconds_per_face", Fmt::kF2));
    out_ += "</tbody></table>\n";
    const json& auds = get(a_, "auditors");
    if (auds.is_array() && !auds.empty()) {
      out_ +=
          "<table id=\"table-auditors\"><thead><tr><th>Auditor</th><th>Distance</th><th class=\"n\">Threshold</th>"
          "<th>Threshold from</th><th>Model</th></tr></thead><tbody>\n";
      for (std::size_t i = 0; i < auds.size(); ++i) {
        const std::string base = fmt::format("/auditors/{}", i);
        out_ += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
                            field(base + "/name", Fmt::kText), esc(text_of(auds[i], "distance")),
                            field(base + "/threshold", Fmt::kF2), esc(text_of(auds[i], "threshold_source")),
                            esc(text_of(auds[i], "model")));
      }
      out_ += "</tbody></table>\n";
    }
  }

  void footer() {
    out_ += fmt::format(
        "<footer>{} &middot; written by ferguard {} (git {}) &middot; charts drawn with Chart.js (MIT licence), "
        "inlined: this file needs no network.</footer>\n",
        esc(text_of(a_, "schema")), esc(text_of(a_, "ferguard_version", "?")),
        esc(text_of(a_, "ferguard_commit", "?")));
  }

  const json& a_;
  const AuditHtmlOptions& opt_;
  std::string out_;
  json chart_data_ = json::object();
};

}  // namespace

std::string resolve_chartjs_path() {
  if (const char* env = std::getenv("FERGUARD_CHARTJS"); env && *env) return env;
  return (std::filesystem::path(default_data_path("chartjs", FERGUARD_DEFAULT_CHARTJS_DIR, /*user_too=*/true)) /
          "chart.umd.js")
      .string();
}

std::string render_audit_html(const nlohmann::json& audit, const AuditHtmlOptions& options) {
  FERGUARD_CHECK(audit.is_object(), "audit JSON: expected an object, got {}", audit.type_name());
  const json& schema = get(audit, "schema");
  FERGUARD_CHECK(schema.is_string() && schema.get<std::string>() == "ferguard.audit/1",
                 "audit JSON: expected schema 'ferguard.audit/1', got {}", schema.dump());
  if (!options.thumbnails.empty()) {
    const json& faces = get(audit, "faces");
    const std::size_t n = faces.is_array() ? faces.size() : 0;
    FERGUARD_CHECK(options.thumbnails.size() == n, "audit report thumbnails: expected one pair per face ({}), got {}",
                   n, options.thumbnails.size());
    static const std::string kPng("\x89PNG\r\n\x1a\n", 8);
    for (std::size_t i = 0; i < n; ++i)
      for (const std::string* png : {&options.thumbnails[i].first, &options.thumbnails[i].second})
        FERGUARD_CHECK(png->empty() || png->compare(0, kPng.size(), kPng) == 0,
                       "audit report thumbnail of face {}: expected PNG bytes, got {} bytes without the PNG signature",
                       i, png->size());
  }
  const std::string chartjs = options.chartjs.empty() ? read_chartjs() : options.chartjs;
  std::string lower(chartjs);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  FERGUARD_CHECK(lower.find("</script") == std::string::npos,
                 "Chart.js source: expected no '</script' (it is inlined in a <script> element)");
  return Page(audit, options).render(chartjs);
}

}  // namespace ferguard::detail
