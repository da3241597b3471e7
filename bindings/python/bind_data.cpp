#include <pybind11/stl.h>

#include "bindings.h"
#include "detail/check.h"
#include "detail/parallel.h"

namespace ferguard::python {

namespace {

py::tuple sample_tuple(const FaceSample& s) {
  return py::make_tuple(image_to_array(s.image), s.identity, s.expression, to_string(s.split));
}

}  // namespace

void bind_data(py::module_& m) {
  m.attr("EXPRESSIONS") = py::tuple(py::cast(std::vector<std::string>(expression_names().begin(), expression_names().end())));
  m.def(
      "synth_faces",
      [](int identities, int samples, int size, std::uint64_t seed, bool nuisance, int threads) {
        SynthOptions o;
        o.identities = identities;
        o.samples_per_expression = samples;
        o.size = size;
        o.seed = seed;
        if (!nuisance) o = o.without_nuisance();
        const SyntheticFaces faces(o);  // validates
        detail::check_threads(threads, "threads");
        const std::size_t n = faces.size();
        py::array_t<std::uint8_t> images({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(size),
                                          static_cast<py::ssize_t>(size), static_cast<py::ssize_t>(3)});
        py::array_t<std::int32_t> identity(static_cast<py::ssize_t>(n)), expression(static_cast<py::ssize_t>(n));
        std::vector<Split> splits(n);
        std::uint8_t* dst = images.mutable_data();
        std::int32_t* id = identity.mutable_data();
        std::int32_t* ex = expression.mutable_data();
        {
          py::gil_scoped_release release;
          const std::size_t plane = static_cast<std::size_t>(size) * size * 3;
          detail::parallel_for(static_cast<std::int64_t>(n), threads, [&](std::int64_t i) {
            const FaceSample s = faces.get(static_cast<std::size_t>(i));
            std::copy(s.image.pixels().begin(), s.image.pixels().end(), dst + i * plane);
            id[i] = s.identity;
            ex[i] = s.expression;
            splits[i] = s.split;
          });
        }
        py::list names;
        for (Split s : splits) names.append(to_string(s));
        py::object split = py::module_::import("numpy").attr("array")(names, "U5");
        return py::make_tuple(images, identity, expression, split);
      },
      py::arg("identities") = SynthOptions{}.identities, py::arg("samples") = SynthOptions{}.samples_per_expression,
      py::arg("size") = SynthOptions{}.size, py::arg("seed") = SynthOptions{}.seed, py::arg("nuisance") = true,
      py::arg("threads") = 0,
      "Render synthetic faces (synthetic data, not real faces): identities x 7 expressions x samples.\n"
      "Returns (images N x size x size x 3 uint8 RGB, identity N int32, expression N int32 in\n"
      "ferguard.EXPRESSIONS order, split N str 'train'|'val'|'test'); sample i is identity i // (7 samples),\n"
      "expression (i // samples) % 7. The same arguments give the same bytes. Raises ValueError for bad values.");

  py::class_<FaceDataset, std::shared_ptr<FaceDataset>>(m, "Dataset",
                                                         "A labelled face dataset opened by ferguard.open_dataset")
      .def("__len__", &FaceDataset::size, "number of samples")
      .def(
          "__getitem__",
          [](const FaceDataset& d, std::int64_t i) {
            if (i < 0) i += static_cast<std::int64_t>(d.size());
            if (i < 0 || static_cast<std::size_t>(i) >= d.size()) throw py::index_error("dataset index out of range");
            FaceSample s;
            {
              py::gil_scoped_release release;
              s = d.get(static_cast<std::size_t>(i));
            }
            return sample_tuple(s);
          },
          "(image HxWx3 uint8, identity int (-1 unknown), expression int (-1 unknown), split str)")
      .def(
          "label",
          [](const FaceDataset& d, std::size_t i) {
            const FaceLabel l = d.label_of(i);
            return py::make_tuple(l.identity, l.expression, to_string(l.split));
          },
          py::arg("i"), "(identity, expression, split) of sample i, without decoding its image")
      .def_property_readonly("num_identities", &FaceDataset::num_identities,
                             "number of distinct identities (0 when the dataset has none)")
      .def_property_readonly("name", &FaceDataset::name, "the dataset's spec, as opened")
      .def_property_readonly(
          "issues",
          [](const FaceDataset& d) {
            py::list out;
            for (const auto& i : d.issues()) out.append(py::make_tuple(i.path, i.line, i.message));
            return out;
          },
          "problems skipped while opening (on_error='skip'): a list of (path, line, message)");

  m.def(
      "open_dataset",
      [](const std::string& spec, int face_size, const std::string& on_error, const std::string& cache_dir,
         int frames_per_clip) {
        DatasetOptions o;
        o.face_size = face_size;
        o.on_error = parse_on_error(on_error);
        o.cache_dir = cache_dir;
        o.frames_per_clip = frames_per_clip;
        std::unique_ptr<FaceDataset> d;
        {
          py::gil_scoped_release release;
          d = open_dataset(spec, o);
        }
        return std::shared_ptr<FaceDataset>(std::move(d));
      },
      py::arg("spec"), py::arg("face_size") = 112, py::arg("on_error") = "skip", py::arg("cache_dir") = "",
      py::arg("frames_per_clip") = 16,
      "Open a dataset: 'synth[:identities=..,samples=..,size=..,seed=..]', 'csv:PATH', 'folder:PATH',\n"
      "'cremad:PATH' or 'rafdb:PATH'. Problems are in .issues as (path, line, message) with on_error='skip';\n"
      "on_error='fail' raises ValueError/OSError naming path and line.");
}

}  // namespace ferguard::python
