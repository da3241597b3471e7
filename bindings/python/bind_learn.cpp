#include <fmt/format.h>
#include <pybind11/stl.h>

#include <cstring>

#include "bindings.h"
#include "ferguard/learn/training_data.h"
#include "ferguard/data/loaders.h"

namespace ferguard::python {
namespace {

// HxWx3 or NxHxWx3 (uint8 or float32) as an Nx3xHxW batch.
Tensor4 batch_from_array(const py::array& images) {
  if (images.ndim() == 3) return image_array_to_tensor(images, "images");
  if (images.ndim() != 4)
    throw InvalidArgument(fmt::format("images: expected HxWx3 or NxHxWx3, got ndim={}", images.ndim()));
  const int n = static_cast<int>(images.shape(0));
  if (n < 1) throw InvalidArgument("images: expected at least one image, got 0");
  py::object getitem = images.attr("__getitem__");
  Tensor4 first = image_array_to_tensor(getitem(0).cast<py::array>(), "images[0]");
  Shape4 s = first.shape();
  Tensor4 out({n, s.c, s.h, s.w});
  std::memcpy(out.data(), first.data(), s.numel() * sizeof(float));
  for (int i = 1; i < n; ++i) {
    Tensor4 t = image_array_to_tensor(getitem(i).cast<py::array>(), "images[i]");
    std::memcpy(out.plane(i, 0), t.data(), s.numel() * sizeof(float));
  }
  return out;
}

py::array_t<float> batch_to_array(const Tensor4& t) {
  const Shape4& s = t.shape();
  py::array_t<float> out({s.n, s.h, s.w, s.c});
  float* dst = out.mutable_data();
  for (int n = 0; n < s.n; ++n)
    for (int y = 0; y < s.h; ++y)
      for (int x = 0; x < s.w; ++x)
        for (int c = 0; c < s.c; ++c) *dst++ = t.at(n, c, y, x);
  return out;
}

}  // namespace

void bind_learn(py::module_& m) {
  m.def(
      "_train",
      [](const std::string& out, const std::string& dataset, const std::string& options_json) {
        TrainOptions o = train_options_from_json(options_json);
        py::gil_scoped_release release;
        auto data = open_training_dataset(dataset, o.image_size);
        return train(*data, out, o).to_json();
      },
      py::arg("out"), py::arg("dataset"), py::arg("options_json"));
  m.def(
      "_preset_json", [](const std::string& name) { return to_json(TrainOptions::from_preset(name)); },
      py::arg("name"));
  m.def(
      "_evaluate",
      [](const std::string& model, const std::string& dataset, std::vector<double> strengths, int threads,
         int epochs_attacker, std::int64_t seed, bool progress) {
        EvalOptions e;
        e.strengths = std::move(strengths);
        e.threads = threads;
        e.epochs_attacker = epochs_attacker;
        e.seed = seed;
        e.progress = progress;
        py::gil_scoped_release release;
        const int size = PrivacyPipeline::load(model).image_size();
        auto data = open_training_dataset(dataset, size);
        return evaluate(model, *data, e).to_json();
      },
      py::arg("model"), py::arg("dataset"), py::arg("strengths"), py::arg("threads"), py::arg("epochs_attacker"),
      py::arg("seed"), py::arg("progress"));

  py::class_<PrivacyPipeline>(m, "PrivacyPipeline",
                              "A trained privacy pipeline (enhancers, compensator, FER model) for inference.")
      .def_static(
          "load",
          [](const std::string& dir, int threads) {
            py::gil_scoped_release release;
            return PrivacyPipeline::load(dir, threads);
          },
          py::arg("dir"), py::arg("threads") = 1, "Load a folder written by ferguard.train / `ferguard train`.")
      .def_property_readonly("image_size", &PrivacyPipeline::image_size, "side of the faces it works on, pixels")
      .def_property_readonly("strength_low", &PrivacyPipeline::strength_low,
                             "low-band strength it was trained at, in [0, 1] (privatize's default)")
      .def_property_readonly("strength_high", &PrivacyPipeline::strength_high,
                             "high-band strength it was trained at, in [0, 1] (privatize's default)")
      .def(
          "privatize",
          [](const PrivacyPipeline& p, const py::array& images, std::optional<double> low, std::optional<double> high) {
            Tensor4 x = batch_from_array(images);
            Tensor4 z;
            {
              py::gil_scoped_release release;
              z = p.privatize(x, low.value_or(p.strength_low()), high.value_or(p.strength_high()));
            }
            return batch_to_array(z);
          },
          py::arg("images"), py::arg("strength_low") = py::none(), py::arg("strength_high") = py::none(),
          "Privatized faces, NxSxSx3 float32 in about [0, 1], from HxWx3 or NxHxWx3 uint8/float32 RGB images.")
      .def(
          "predict",
          [](const PrivacyPipeline& p, const py::array& images) {
            Tensor4 x = batch_from_array(images);
            std::vector<ExpressionPrediction> preds;
            {
              py::gil_scoped_release release;
              preds = p.predict(x);
            }
            py::list out;
            for (const auto& pr : preds) {
              py::array_t<float> probs(kNumExpressions);
              std::memcpy(probs.mutable_data(), pr.probabilities.data(), sizeof(float) * kNumExpressions);
              out.append(py::make_tuple(expression_names()[static_cast<int>(pr.label)], probs));
            }
            return out;
          },
          py::arg("images"),
          "A list of (label, probabilities) per image; probabilities in ferguard's label order.");
}

}  // namespace ferguard::python
