#pragma once
// Shared helpers of the Python bindings: numpy <-> ferguard conversions with checked dtypes and shapes.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "ferguard/ferguard.h"

namespace ferguard::python {
namespace py = pybind11;

void bind_frequency(py::module_& m);
void bind_io(py::module_& m);
void bind_model(py::module_& m);
void bind_data(py::module_& m);
void bind_learn(py::module_& m);

void bind_audit(py::module_& m);
void bind_face_analyzer(py::module_& m);
void bind_pipeline(py::module_& m);
void bind_templates(py::module_& m);
void bind_video(py::module_& m);
void bind_auditor(py::module_& m);

/// An HxW or HxWxC numpy image (uint8 scaled by 1/255, or float32 as is) as a 1xCxHxW tensor.
/// Raises ValueError naming `what` for other dtypes, ndim or empty arrays.
Tensor4 image_array_to_tensor(const py::array& array, const char* what);
/// The inverse: a 1xCxHxW tensor as an float32 array of `like_ndim` dimensions (2 -> HxW, 3 -> HxWxC).
py::array_t<float> tensor_to_image_array(const Tensor4& t, int like_ndim);
/// HxWx3 (or HxW) uint8 array as an Image; raises ValueError otherwise.
Image array_to_image(const py::array& array, const char* what);
/// An Image as an HxWxC uint8 array.
py::array_t<std::uint8_t> image_to_array(const Image& image);

}  // namespace ferguard::python
