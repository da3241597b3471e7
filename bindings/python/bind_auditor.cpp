// The auditor core (ferguard::Auditor) for Python; ferguard.audit() in the package wraps it with folder pairing and a
// result object (bindings/python/ferguard/_audit.py).
#include <pybind11/stl.h>

#include "bindings.h"
#include "ferguard/audit/auditor.h"

namespace ferguard::python {

void bind_auditor(py::module_& m) {
  py::class_<AuditReport>(m, "_AuditReport", "What Auditor.result() returns: the report and the per-face table.")
      .def_readonly("json", &AuditReport::json_text, "The report, schema ferguard.audit/1 (docs/audit_json.md).")
      .def_readonly("csv", &AuditReport::csv_text, "faces.csv: one row per face and auditor.")
      .def_readonly("warnings", &AuditReport::warnings, "Warnings of the report (few faces, ...).")
      .def_readonly("images", &AuditReport::images, "Pairs audited.")
      .def_readonly("seconds", &AuditReport::seconds, "Seconds spent auditing.");

  py::class_<Auditor>(m, "Auditor",
                      "Audits anonymised images against their originals: identity leakage under several attackers "
                      "and expression utility. Thread-safe add(); the GIL is released while it runs.")
      .def(py::init([](const std::vector<std::string>& auditors, const std::vector<std::string>& recognizer_models,
                       const std::vector<std::string>& expression_models, int bootstrap, std::uint64_t seed,
                       bool soft_biometrics, bool reversal, int threads, int min_faces, const std::string& models,
                       const std::string& graph_models) {
             AuditOptions o;
             o.auditors = auditors;
             for (const std::string& s : recognizer_models) o.custom_auditors.push_back(parse_graph_recognizer_spec(s));
             o.expression_models = expression_models;
             o.protocol.bootstrap = bootstrap;
             o.protocol.seed = seed;
             o.soft_biometrics = soft_biometrics;
             o.reversal = reversal;
             o.models.threads = threads;
             o.models.faceapi_dir = models;
             o.models.graph_dir = graph_models;
             o.min_faces = min_faces;
             py::gil_scoped_release release;
             return std::make_unique<Auditor>(o);
           }),
           py::arg("auditors") = AuditOptions{}.auditors, py::arg("recognizer_models") = std::vector<std::string>{},
           py::arg("expression_models") = AuditOptions{}.expression_models,
           py::arg("bootstrap") = ProtocolOptions{}.bootstrap, py::arg("seed") = 0, py::arg("soft_biometrics") = true,
           py::arg("reversal") = true, py::arg("threads") = 1, py::arg("min_faces") = AuditOptions{}.min_faces,
           py::arg("models") = "", py::arg("graph_models") = "",
           "Loads the detector, the auditors (built-in names and 'NAME=PATH/model.json:size=..,range=..' specs), the "
           "expression models and faceres's attribute heads. Raises ValueError for bad options, ModelError for "
           "missing models.")
      .def(
          "add",
          [](Auditor& self, const std::string& name, const py::array& original, const py::array& anonymised,
             const std::string& identity, const std::vector<std::string>& face_identities) {
            AuditPair p;
            p.name = name;
            p.original = array_to_image(original, "original");
            p.anonymised = array_to_image(anonymised, "anonymised");
            p.identity = identity;
            p.face_identities = face_identities;
            py::gil_scoped_release release;
            return self.add(p);
          },
          py::arg("name"), py::arg("original"), py::arg("anonymised"), py::arg("identity") = "",
          py::arg("face_identities") = std::vector<std::string>{},
          "Audits one pair (HxWx3 uint8 RGB arrays of one size) and returns its number of faces. `identity` names "
          "the person of the original's face (its largest face when it has several); `face_identities[k]` names "
          "face k, faces in the detector's order (as ferguard detect lists them).")
      .def("add_error", &Auditor::add_error, py::arg("input"), py::arg("message"),
           "Records an input that could not be read, so that the report lists it.")
      .def(
          "result",
          [](const Auditor& self) {
            py::gil_scoped_release release;
            return self.result();
          },
          "Summarises everything added so far.")
      .def("auditor_names", &Auditor::auditor_names, "The auditors in report order.");
}

}  // namespace ferguard::python
