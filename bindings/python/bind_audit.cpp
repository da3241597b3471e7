// The audit area: report.html from an audit.json document, for the tests and for users who re-render a report.
#include <nlohmann/json.hpp>

#include "audit/audit_html.h"
#include "bindings.h"

namespace ferguard::python {

void bind_audit(py::module_& m) {
  m.def(
      "render_audit_html",
      [](const std::string& json_text, const std::string& chartjs) {
        nlohmann::json audit;
        try {
          audit = nlohmann::json::parse(json_text);
        } catch (const nlohmann::json::parse_error& e) {
          throw InvalidArgument(std::string("audit JSON: ") + e.what());
        }
        detail::AuditHtmlOptions options;
        options.chartjs = chartjs;
        py::gil_scoped_release release;
        return detail::render_audit_html(audit, options);
      },
      py::arg("json_text"), py::arg("chartjs") = "",
      "The audit report page (report.html) of an audit.json document (schema ferguard.audit/1, given as text): one\n"
      "self-contained HTML file with Chart.js inlined. chartjs: the Chart.js source to inline; empty reads the\n"
      "installed chart.umd.js (FERGUARD_CHARTJS overrides its path). The same text gives the same bytes.\n"
      "Raises ValueError for text that is not a ferguard.audit/1 document, ModelError when Chart.js is missing.");
}

}  // namespace ferguard::python
