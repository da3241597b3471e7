// report.html from audit.json: every number shown is the value its data-field pointer names, formatted here by an
// independent reference (snprintf); hostile strings are escaped; null sections say why; the page is deterministic and
// refuses to render without Chart.js.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "audit/audit_html.h"
#include "ferguard/error.h"

namespace ferguard {
namespace {

using json = nlohmann::json;

json sample() {
  std::ifstream in(std::string(FERGUARD_TEST_DATA_DIR) + "/audit/sample_audit.json");
  EXPECT_TRUE(in.good()) << "tests/data/audit/sample_audit.json missing";
  return json::parse(in);
}

// A stand-in for Chart.js: the renderer inlines whatever it is given.
detail::AuditHtmlOptions stub_options() {
  detail::AuditHtmlOptions o;
  o.chartjs = "/* Chart.js stand-in */ var Chart = undefined;";
  return o;
}

std::string render(const json& audit) { return detail::render_audit_html(audit, stub_options()); }

std::string unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += std::string(to).size())
      s.replace(p, std::string(from).size(), to);
  }
  return s;
}

std::string reference_format(const json& v, const std::string& kind) {
  char buf[64];
  if (kind == "text") return v.get<std::string>();
  const double x = v.get<double>();
  if (kind == "pct")
    std::snprintf(buf, sizeof buf, "%.1f%%", x * 100.0);
  else if (kind == "f1")
    std::snprintf(buf, sizeof buf, "%.1f", x);
  else if (kind == "f2")
    std::snprintf(buf, sizeof buf, "%.2f", x);
  else if (kind == "int")
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(std::llround(x)));
  else
    ADD_FAILURE() << "unknown data-format " << kind;
  return buf;
}

struct Field {
  std::string pointer, format, text;
};

std::vector<Field> fields(const std::string& html) {
  static const std::regex re(R"re(<span data-field="([^"]*)" data-format="([a-z0-9]+)">([^<]*)</span>)re");
  std::vector<Field> out;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back({unescape((*it)[1]), (*it)[2], unescape((*it)[3])});
  return out;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = 0; (p = s.find(what, p)) != std::string::npos; p += what.size()) ++n;
  return n;
}

TEST(AuditHtml, EveryFieldShowsTheValueItsPointerNames) {
  const json audit = sample();
  const std::string html = render(audit);
  const auto fs = fields(html);
  // Every data-field element has the one form the regex reads (none escapes the check).
  EXPECT_EQ(fs.size(), count(html, "data-field=\""));
  ASSERT_GT(fs.size(), 150u);
  for (const auto& f : fs) {
    const json::json_pointer p(f.pointer);
    ASSERT_TRUE(audit.contains(p)) << f.pointer;
    EXPECT_EQ(f.text, reference_format(audit.at(p), f.format)) << f.pointer;
  }
  // The headline table: each summary row's rank-1 with its interval and chance, as percentages.
  for (std::size_t i = 0; i < audit["summary"].size(); ++i)
    for (const char* key : {"/rank1/value", "/rank1/lo", "/rank1/hi", "/chance"}) {
      const std::string ptr = "/summary/" + std::to_string(i) + key;
      EXPECT_NE(html.find("data-field=\"" + ptr + "\" data-format=\"pct\""), std::string::npos) << ptr;
    }
  EXPECT_NE(html.find(">83.3%<"), std::string::npos);  // faceres, face protocol: 5 of 6
  EXPECT_NE(html.find("re-identified <b>5 of 6</b> faces"), std::string::npos);
  // Cross-photo TAR at both FAR points, adaptive leakage, reversal, expression agreement, re-detection.
  for (const char* ptr :
       {"/cross_photo/results/0/far_points/0/tar/value", "/cross_photo/results/0/far_points/1/tar/value",
        "/adaptive/results/0/leakage", "/reversal/results/0/rank1/value", "/utility/expression/1/agreement/value",
        "/utility/redetection/rate/value", "/soft_biometrics/gender_flip/value"})
    EXPECT_NE(html.find(std::string("data-field=\"") + ptr + "\""), std::string::npos) << ptr;
  // Five charts, one canvas each, and the warnings and errors up front (before the summary).
  EXPECT_EQ(count(html, "<canvas "), 5u);
  EXPECT_LT(html.find("id=\"warnings\""), html.find("id=\"summary\""));
  EXPECT_LT(html.find("id=\"errors\""), html.find("id=\"summary\""));
  EXPECT_NE(html.find("no face found on the original"), std::string::npos);
}

TEST(AuditHtml, HostileStringsAreEscaped) {
  json audit = sample();
  const std::string evil = "<img src=x onerror=alert(1)> & \"quoted\" 'single'.jpg";
  audit["faces"][0]["image"] = evil;
  audit["faces"][1]["identity"] = "</td><b>bold</b>";
  audit["errors"][0]["input"] = "</script><script>alert('input')</script>";
  audit["errors"][0]["message"] = "<b>message</b>";
  audit["warnings"].push_back("<script>alert('warning')</script>");
  audit["inputs"]["anonymised"] = "a&b<c>";
  // An auditor name reaches both the tables and the chart data (a <script> element).
  for (auto& row : audit["summary"])
    if (row["auditor"] == "mobileface") row["auditor"] = "</script><script>alert('chart')</script>";
  audit["utility"]["expression"][0]["model"] = "m<&>";
  const std::string html = render(audit);
  for (const char* raw : {"<img src=x", "<script>alert", "</td><b>bold", "<b>message</b>", "a&b<c>", "m<&>"})
    EXPECT_EQ(html.find(raw), std::string::npos) << raw;
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;.jpg"),
            std::string::npos);
  EXPECT_NE(html.find("a&amp;b&lt;c&gt;"), std::string::npos);
  EXPECT_NE(html.find("\\u003c/script>\\u003cscript>alert('chart')"), std::string::npos);  // inside the JSON
  // The escaped text still shows exactly the JSON's string.
  bool seen = false;
  for (const auto& f : fields(html))
    if (f.pointer == "/faces/0/image") {
      EXPECT_EQ(f.text, evil);
      seen = true;
    }
  EXPECT_TRUE(seen);
  // Exactly the page's own four script elements: error trap, chart data, Chart.js, charts.
  EXPECT_EQ(count(html, "<script"), 4u);
}

TEST(AuditHtml, NullSectionsSayWhyTheyDidNotRun) {
  json audit = sample();
  for (const char* s : {"cross_photo", "adaptive", "reversal", "soft_biometrics"}) audit[s] = nullptr;
  audit["inputs"]["identities"] = 0;
  audit["options"]["reversal_sigmas"] = json::array();
  audit["options"]["soft_biometrics"] = false;
  for (auto& f : audit["faces"]) {
    f["identity"] = nullptr;
    f["attributes"] = nullptr;
  }
  audit["warnings"] = json::array();
  audit["errors"] = json::array();
  const std::string html = render(audit);
  EXPECT_EQ(count(html, "Not run (no identities were given (--identities))."), 3u);  // 2 tables + the ROC note
  EXPECT_NE(html.find("Not run (the reversal attacker was off (no reversal sigmas))."), std::string::npos);
  EXPECT_NE(html.find("Not run (soft biometrics were off)."), std::string::npos);
  EXPECT_EQ(html.find("id=\"chart-roc\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"chart-cmc-cross\""), std::string::npos);
  EXPECT_EQ(count(html, "<canvas "), 3u);
  EXPECT_EQ(html.find("id=\"warnings\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"errors\""), std::string::npos);
  for (const auto& f : fields(html)) EXPECT_TRUE(audit.contains(json::json_pointer(f.pointer))) << f.pointer;
  // With identities given but none with two photos, the reason says so.
  audit["inputs"]["identities"] = 6;
  EXPECT_NE(render(audit).find("Not run (no identity has faces in two different photos)."), std::string::npos);
}

TEST(AuditHtml, SameJsonSameBytes) {
  const json audit = sample();
  const std::string a = render(audit);
  EXPECT_EQ(a, render(audit));
  EXPECT_EQ(a, render(json::parse(audit.dump(2))));
}

TEST(AuditHtml, NothingIsFetchedFromTheNetwork) {
  const std::string html = render(sample());
  for (const char* s : {"src=\"http", "href=\"http", "src=\"//", "url(", "@import", "<link", "<script src"})
    EXPECT_EQ(html.find(s), std::string::npos) << s;
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
}

TEST(AuditHtml, ThumbnailsAreInlinedAndChecked) {
  const json audit = sample();
  auto options = stub_options();
  const std::string png("\x89PNG\r\n\x1a\nrest", 12);
  options.thumbnails.assign(audit["faces"].size(), {png, png});
  options.thumbnails[2].second.clear();  // no anonymised crop for face 3
  const std::string html = detail::render_audit_html(audit, options);
  EXPECT_EQ(count(html, "src=\"data:image/png;base64,iVBORw0KGgpyZXN0\""), 11u);
  options.thumbnails.pop_back();
  EXPECT_THROW(detail::render_audit_html(audit, options), InvalidArgument);
  options.thumbnails.assign(audit["faces"].size(), {png, "GIF89a"});
  EXPECT_THROW(detail::render_audit_html(audit, options), InvalidArgument);
  EXPECT_EQ(render(audit).find("data:image"), std::string::npos);
}

TEST(AuditHtml, RefusesWhatIsNotAnAudit) {
  json audit = sample();
  audit["schema"] = "ferguard.analysis/1";
  EXPECT_THROW(render(audit), InvalidArgument);
  EXPECT_THROW(render(json::array()), InvalidArgument);
  auto options = stub_options();
  options.chartjs = "x</SCRIPT>y";
  EXPECT_THROW(detail::render_audit_html(sample(), options), InvalidArgument);
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { had_ ? ::setenv(name_, old_.c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

TEST(AuditHtml, MissingChartJsIsAModelErrorNamingTheFile) {
  const std::string path = "/nonexistent/ferguard-test/chart.umd.js";
  ScopedEnv env("FERGUARD_CHARTJS", path);
  EXPECT_EQ(detail::resolve_chartjs_path(), path);
  try {
    detail::render_audit_html(sample());
    FAIL() << "rendered without Chart.js";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fetch_models.sh"), std::string::npos) << e.what();
  }
}

TEST(AuditHtml, InlinesTheFetchedChartJs) {
  const std::string path = detail::resolve_chartjs_path();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " absent: run scripts/fetch_models.sh (make test does)";
  const std::string html = detail::render_audit_html(sample());
  EXPECT_NE(html.find("Chart.js v4."), std::string::npos);
  EXPECT_GT(html.size(), std::filesystem::file_size(path));
}

}  // namespace
}  // namespace ferguard
