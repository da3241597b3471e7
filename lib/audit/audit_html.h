#pragma once
// report.html: the audit.json document (docs/audit_json.md, schema ferguard.audit/1) as one self-contained page for a
// privacy officer: a plain-language verdict, the summary tables, Chart.js charts (inlined) and one row per face.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace ferguard::detail {

struct AuditHtmlOptions {
  /// Chart.js source text to inline; empty: read the resolved chart.umd.js (resolve_chartjs_path()).
  std::string chartjs;
  /// Optional thumbnails, one per faces[] entry of the JSON (same order): PNG bytes of the original and of the
  /// anonymised face crop. Empty: no thumbnail column; an empty string: no picture for that face.
  std::vector<std::pair<std::string, std::string>> thumbnails;
};

/// Where chart.umd.js is read from: $FERGUARD_CHARTJS (a file) when set, else `chartjs/chart.umd.js` under the data
/// folder (the source tree's assets/ from a build tree, share/ferguard when installed).
std::string resolve_chartjs_path();

/// The page, deterministic (the same JSON and options give the same bytes). Every number shown in a table sits in an
/// element `data-field="<JSON pointer>" data-format="pct|int|f1|f2|text"` whose text is the value so formatted
/// (pct: 100 v with one decimal and '%'; f1/f2: one/two decimals; int: an integer; text: the string).
/// Throws InvalidArgument when `audit` is not a ferguard.audit/1 object or the thumbnails do not match faces[] (count,
/// PNG signature), ModelError naming the file when Chart.js is not given and cannot be read.
std::string render_audit_html(const nlohmann::json& audit, const AuditHtmlOptions& options = {});

}  // namespace ferguard::detail
