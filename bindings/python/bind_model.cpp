// Recognisers and expression models: numpy crops in, numpy embeddings/probabilities out.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "ferguard/model/recognizer.h"

namespace ferguard::python {
namespace {

// An N x H x W x 3 uint8 array, or a sequence of H x W x 3 uint8 arrays (sizes may differ).
std::vector<Image> crops_from(const py::object& crops) {
  std::vector<Image> out;
  if (py::isinstance<py::array>(crops)) {
    const py::array a = crops.cast<py::array>();
    if (a.ndim() == 3) {
      out.push_back(array_to_image(a, "crops"));
      return out;
    }
    if (a.ndim() != 4)
      throw InvalidArgument(fmt::format("crops: expected an NxHxWx3 uint8 array or a list of HxWx3 arrays, got ndim={}",
                                        a.ndim()));
    for (py::ssize_t i = 0; i < a.shape(0); ++i)
      out.push_back(array_to_image(a[py::int_(i)].cast<py::array>(), fmt::format("crops[{}]", i).c_str()));
    return out;
  }
  py::ssize_t i = 0;
  for (const py::handle h : crops) {
    out.push_back(array_to_image(py::array::ensure(h), fmt::format("crops[{}]", i++).c_str()));
  }
  return out;
}

ModelOptions model_options(const std::string& models, const std::string& graph_models, int threads,
                           const std::string& device) {
  ModelOptions o;
  o.faceapi_dir = models;
  o.graph_dir = graph_models;
  o.threads = threads;
  o.device = device;
  o.validate();
  return o;
}

std::vector<Point2f> landmarks_from(const py::array& a) {
  auto l = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(a);
  if (!l || l.ndim() != 2 || l.shape(1) != 2)
    throw InvalidArgument("landmarks: expected a 68x2 array of (x, y) image pixels");
  std::vector<Point2f> out;
  for (py::ssize_t i = 0; i < l.shape(0); ++i) out.push_back({l.at(i, 0), l.at(i, 1)});
  return out;
}

py::tuple rect_tuple(const PixelRect& r) { return py::make_tuple(r.x, r.y, r.width, r.height); }

}  // namespace

void bind_model(py::module_& m) {
  py::class_<Recognizer, std::shared_ptr<Recognizer>>(m, "Recognizer",
                                                      "An identity recogniser: 'faceapi', 'faceres' or 'mobileface'.")
      .def(py::init([](const std::string& name, const std::string& models, const std::string& graph_models,
                       int threads, const std::string& device) {
             return std::shared_ptr<Recognizer>(make_recognizer(name, model_options(models, graph_models, threads, device)));
           }),
           py::arg("name"), py::arg("models") = "", py::arg("graph_models") = "", py::arg("threads") = 1,
           py::arg("device") = "cpu",
           "Load recogniser `name` (ferguard.RECOGNIZERS). models: face-api weights folder, graph_models: folder of\n"
           "faceres and mobileface (\"\" = the environment variables FERGUARD_MODELS / FERGUARD_GRAPH_MODELS, else the\n"
           "installed share/ferguard). threads: LibTorch threads per call (0 = one per core); device: \"cpu\", \"cuda:0\".\n"
           "Raises ValueError for an unknown name, ferguard.ModelError for missing or corrupt model files.")
      .def_property_readonly("name", &Recognizer::name, "the recogniser's name")
      .def_property_readonly("dim", &Recognizer::dim, "embedding length (floats)")
      .def_property_readonly("threshold", &Recognizer::threshold,
                             "verification threshold: distance <= threshold means the same person")
      .def_property_readonly(
          "distance_kind",
          [](const Recognizer& r) { return r.distance_kind() == DistanceKind::euclidean ? "euclidean" : "cosine"; },
          "'euclidean' (|a - b|) or 'cosine' (1 - a.b / (|a| |b|))")
      .def(
          "embed",
          [](const Recognizer& r, const py::object& crops) {
            std::vector<Image> images = crops_from(crops);
            std::vector<std::vector<float>> e;
            {
              py::gil_scoped_release release;
              e = r.embed(images);
            }
            py::array_t<float> out({static_cast<py::ssize_t>(e.size()), static_cast<py::ssize_t>(r.dim())});
            for (std::size_t i = 0; i < e.size(); ++i) std::copy(e[i].begin(), e[i].end(), out.mutable_data(i, 0));
            return out;
          },
          py::arg("crops"),
          "Embeddings (N x dim float32) of face crops: an N x H x W x 3 uint8 array or a list of H x W x 3 arrays\n"
          "(any size; resized internally with TF legacy bilinear).")
      .def(
          "distance",
          [](const Recognizer& r, const std::vector<float>& a, const std::vector<float>& b) { return r.distance(a, b); },
          py::arg("a"), py::arg("b"), "Distance between two embeddings of this recogniser (see distance_kind).")
      .def(
          "crop_rect",
          [](const Recognizer& r, const py::array& landmarks, int width, int height) {
            Face f;
            f.landmarks = landmarks_from(landmarks);
            return rect_tuple(r.crop_rect(f, width, height));
          },
          py::arg("landmarks"), py::arg("width"), py::arg("height"),
          "(x, y, width, height) of the crop this recogniser uses for a face's 68 landmarks (image pixels).");

  py::class_<ExpressionModel, std::shared_ptr<ExpressionModel>>(m, "ExpressionModel",
                                                                "An expression model: 'faceapi' or 'emotion'.")
      .def(py::init([](const std::string& name, const std::string& models, const std::string& graph_models,
                       int threads, const std::string& device) {
             return std::shared_ptr<ExpressionModel>(
                 make_expression_model(name, model_options(models, graph_models, threads, device)));
           }),
           py::arg("name"), py::arg("models") = "", py::arg("graph_models") = "", py::arg("threads") = 1,
           py::arg("device") = "cpu",
           "Load expression model `name` (ferguard.EXPRESSION_MODELS); the folders, threads and device as for\n"
           "Recognizer. Raises ValueError for an unknown name, ferguard.ModelError for missing or corrupt files.")
      .def_property_readonly("name", &ExpressionModel::name, "the model's name")
      .def(
          "predict",
          [](const ExpressionModel& e, const py::object& crops) {
            std::vector<Image> images = crops_from(crops);
            std::vector<ExpressionScores> s;
            {
              py::gil_scoped_release release;
              s = e.predict(images);
            }
            py::array_t<float> out({static_cast<py::ssize_t>(s.size()), static_cast<py::ssize_t>(kNumExpressions)});
            for (std::size_t i = 0; i < s.size(); ++i) std::copy(s[i].probs.begin(), s[i].probs.end(), out.mutable_data(i, 0));
            return out;
          },
          py::arg("crops"), "N x 7 probabilities in ferguard's label order (ferguard.EXPRESSIONS).")
      .def(
          "crop_rect",
          [](const ExpressionModel& e, const py::array& landmarks, int width, int height) {
            Face f;
            f.landmarks = landmarks_from(landmarks);
            return rect_tuple(e.crop_rect(f, width, height));
          },
          py::arg("landmarks"), py::arg("width"), py::arg("height"),
          "(x, y, width, height) of the crop this model uses for a face's 68 landmarks (image pixels).");

  m.attr("RECOGNIZERS") = recognizer_names();
  m.attr("EXPRESSION_MODELS") = expression_model_names();
  m.def(
      "crop",
      [](const py::array& image, std::tuple<int, int, int, int> rect) {
        const Image im = array_to_image(image, "image");
        return image_to_array(crop_with_padding(
            im, PixelRect{std::get<0>(rect), std::get<1>(rect), std::get<2>(rect), std::get<3>(rect)}));
      },
      py::arg("image"), py::arg("rect"),
      "Crop (x, y, width, height) out of an HxWx3 uint8 image; the part outside the image is zero.");
}

}  // namespace ferguard::python
