#include <pybind11/stl.h>

#include "bindings.h"
#include "detail/error_text.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "ferguard: facial expression recognition with measured identity leakage (C++ core)";
  m.attr("__version__") = ferguard::version();
  m.attr("__git_commit__") = ferguard::git_commit();

  // ferguard's errors keep their names in Python and derive from the natural built-in exceptions.
  static py::exception<ferguard::Error> error(m, "Error", PyExc_RuntimeError);
  static py::exception<ferguard::InvalidArgument> invalid(m, "InvalidArgument",
                                                          py::make_tuple(error, py::handle(PyExc_ValueError)));
  static py::exception<ferguard::IoError> io(m, "IoError", py::make_tuple(error, py::handle(PyExc_OSError)));
  static py::exception<ferguard::ModelError> model(m, "ModelError", error);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ferguard::InvalidArgument& e) {
      invalid(e.what());
    } catch (const ferguard::IoError& e) {
      io(e.what());
    } catch (const ferguard::ModelError& e) {
      model(e.what());
    } catch (const ferguard::Error& e) {
      error(e.what());
    } catch (const std::exception& e) {
      // A LibTorch error that escaped the library's own conversion: a ModelError, without its C++ stack trace.
      const std::string text = e.what();
      if (text.find("Exception raised from") == std::string::npos) throw;  // pybind11's own translators
      model(ferguard::detail::without_stack_trace(text).c_str());
    }
  });

  ferguard::python::bind_io(m);
  ferguard::python::bind_frequency(m);
  ferguard::python::bind_data(m);

  ferguard::python::bind_face_analyzer(m);

  ferguard::python::bind_model(m);

  ferguard::python::bind_learn(m);

  ferguard::python::bind_video(m);
  ferguard::python::bind_pipeline(m);
  ferguard::python::bind_auditor(m);
  ferguard::python::bind_templates(m);
  ferguard::python::bind_audit(m);
}
