#include <pybind11/stl.h>

#include "bindings.h"

namespace ferguard::python {

void bind_frequency(py::module_& m) {
  m.def(
      "split",
      [](const py::array& image, double cutoff, const std::string& filter, int order, int threads) {
        SplitOptions o;
        o.cutoff = cutoff;
        o.filter = parse_filter_kind(filter);
        o.order = order;
        o.threads = threads;
        o.validate();
        Tensor4 x = image_array_to_tensor(image, "image");
        SplitResult r;
        {
          py::gil_scoped_release release;
          r = FrequencySplitter(o).split(x);
        }
        const int nd = static_cast<int>(image.ndim());
        return py::make_tuple(tensor_to_image_array(r.low, nd), tensor_to_image_array(r.high, nd));
      },
      py::arg("image"), py::arg("cutoff") = 0.1, py::arg("filter") = "gaussian", py::arg("order") = 2,
      py::arg("threads") = 0,
      "Split an HxW or HxWxC image (uint8 -> scaled to [0,1], or float32) into float32 (low, high) of the same\n"
      "shape with low + high == image. cutoff is a fraction of the Nyquist radius; filter is 'ideal',\n"
      "'gaussian' or 'butterworth' (order applies to butterworth).");

  m.def(
      "haar_split",
      [](const py::array& image) {
        Tensor4 x = image_array_to_tensor(image, "image");
        HaarCoefficients k;
        {
          py::gil_scoped_release release;
          k = haar_forward(x);
        }
        const int nd = static_cast<int>(image.ndim());
        return py::make_tuple(tensor_to_image_array(k.ll, nd),
                              py::make_tuple(tensor_to_image_array(k.lh, nd), tensor_to_image_array(k.hl, nd),
                                             tensor_to_image_array(k.hh, nd)));
      },
      py::arg("image"),
      "One-level orthonormal Haar transform: returns (LL, (LH, HL, HH)), each ceil(H/2) x ceil(W/2)\n"
      "(odd sizes repeat the last row/column).");

  m.def(
      "haar_merge",
      [](const py::array& ll, const py::tuple& details, std::optional<std::pair<int, int>> size) {
        if (details.size() != 3)
          throw InvalidArgument("details: expected a tuple (LH, HL, HH) of 3 arrays, got " +
                                std::to_string(details.size()));
        HaarCoefficients k;
        k.ll = image_array_to_tensor(ll, "LL");
        k.lh = image_array_to_tensor(details[0].cast<py::array>(), "LH");
        k.hl = image_array_to_tensor(details[1].cast<py::array>(), "HL");
        k.hh = image_array_to_tensor(details[2].cast<py::array>(), "HH");
        k.height = size ? size->first : 2 * k.ll.shape().h;
        k.width = size ? size->second : 2 * k.ll.shape().w;
        Tensor4 out;
        {
          py::gil_scoped_release release;
          out = haar_inverse(k);
        }
        return tensor_to_image_array(out, static_cast<int>(ll.ndim()));
      },
      py::arg("ll"), py::arg("details"), py::arg("size") = py::none(),
      "Exact inverse of haar_split. size=(H, W) restores an odd original size (default: twice LL's size).");
}

}  // namespace ferguard::python
