// Python binding of FaceAnalyzer: images are HxWx3 uint8 RGB arrays; landmarks come back as 68x2 float32,
// expressions as Nx7 and descriptors as Nx128 float32 arrays. The GIL is released while the nets run.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include "bindings.h"

namespace ferguard::python {

namespace {

std::vector<Face> faces_from(const py::sequence& seq) {
  std::vector<Face> faces;
  for (const py::handle& h : seq) faces.push_back(h.cast<Face>());
  return faces;
}

template <std::size_t N, typename Row>
py::array_t<float> rows_to_array(const std::vector<Row>& rows) {
  py::array_t<float> out({static_cast<py::ssize_t>(rows.size()), static_cast<py::ssize_t>(N)});
  float* dst = out.mutable_data();
  for (const Row& r : rows) dst = std::copy(r.begin(), r.end(), dst);
  return out;
}

}  // namespace

void bind_face_analyzer(py::module_& m) {
  py::class_<Face>(m, "Face", "A detected face: box (x, y, width, height) and landmarks in image pixels.")
      .def_property_readonly(
          "box", [](const Face& f) { return py::make_tuple(f.box.x, f.box.y, f.box.width, f.box.height); },
          "(x, y, width, height) in image pixels (face-api's box; may extend past the bottom/right edge)")
      .def_readonly("score", &Face::score, "detector score in (0, 1)")
      .def_property_readonly(
          "landmarks",
          [](const Face& f) {
            py::array_t<float> out({static_cast<py::ssize_t>(f.landmarks.size()), py::ssize_t{2}});
            float* dst = out.mutable_data();
            for (const Point2f& p : f.landmarks) {
              *dst++ = p.x;
              *dst++ = p.y;
            }
            return out;
          },
          "68x2 float32 array of (x, y) image pixels")
      .def("__repr__", [](const Face& f) {
        return fmt::format("Face(box=({:.1f}, {:.1f}, {:.1f}, {:.1f}), score={:.4f}, landmarks={})", f.box.x, f.box.y,
                           f.box.width, f.box.height, f.score, f.landmarks.size());
      });

  py::class_<FaceAnalyzer>(m, "FaceAnalyzer",
                           "face-api's pipeline: SSD face detector, 68 landmarks, expressions and (on request) "
                           "identity descriptors.")
      .def(py::init([](const py::object& models, float min_confidence, int threads) {
             FaceAnalyzerOptions o;
             if (!models.is_none()) o.models_dir = py::str(models).cast<std::string>();
             o.detector.min_confidence = min_confidence;
             o.threads = threads;
             py::gil_scoped_release release;
             return std::make_unique<FaceAnalyzer>(o);
           }),
           py::arg("models") = py::none(), py::arg("min_confidence") = 0.5f, py::arg("threads") = 0,
           "models: weights folder (default $FERGUARD_MODELS, else the build's assets/faceapi/model). Raises "
           "ferguard.ModelError naming a missing file (run scripts/fetch_models.sh).")
      .def(
          "detect",
          [](const FaceAnalyzer& a, const py::array& image) {
            const Image im = array_to_image(image, "image");
            py::gil_scoped_release release;
            return a.detect(im);
          },
          py::arg("image"), "Faces in an HxWx3 uint8 RGB array, best score first.")
      .def(
          "expressions",
          [](const FaceAnalyzer& a, const py::array& image, const py::sequence& faces) {
            const Image im = array_to_image(image, "image");
            const std::vector<Face> f = faces_from(faces);
            std::vector<ExpressionScores> probs;
            {
              py::gil_scoped_release release;
              probs = a.expressions(im, f);
            }
            std::vector<std::array<float, kNumExpressions>> rows;
            for (const ExpressionScores& p : probs) rows.push_back(p.probs);
            return rows_to_array<kNumExpressions>(rows);
          },
          py::arg("image"), py::arg("faces"),
          "Nx7 float32 probabilities (ferguard.expression_names() order) for faces from detect().")
      .def(
          "descriptors",
          [](const FaceAnalyzer& a, const py::array& image, const py::sequence& faces) {
            const Image im = array_to_image(image, "image");
            const std::vector<Face> f = faces_from(faces);
            std::vector<FaceDescriptor> d;
            {
              py::gil_scoped_release release;
              d = a.descriptors(im, f);
            }
            return rows_to_array<kFaceDescriptorSize>(d);
          },
          py::arg("image"), py::arg("faces"), "Nx128 float32 identity descriptors (face-api's, not normalised).");

  m.def("expression_names", [] {
    const auto& n = expression_names();
    return std::vector<std::string>(n.begin(), n.end());
  }, "The 7 expression labels in ferguard's order.");
}

}  // namespace ferguard::python
