#include <cmath>
#include <fmt/format.h>

#include "bindings.h"

namespace ferguard::python {

namespace {
template <typename T>
void fill_from_hwc(const py::array& array, float scale, Tensor4& t) {
  auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(array);
  const Shape4& s = t.shape();
  const T* base = a.data();
  for (int y = 0; y < s.h; ++y)
    for (int x = 0; x < s.w; ++x)
      for (int ch = 0; ch < s.c; ++ch)
        t.at(0, ch, y, x) = static_cast<float>(base[(static_cast<std::size_t>(y) * s.w + x) * s.c + ch]) * scale;
}
}  // namespace

Tensor4 image_array_to_tensor(const py::array& array, const char* what) {
  if (array.ndim() != 2 && array.ndim() != 3)
    throw InvalidArgument(fmt::format("{}: expected an HxW or HxWxC array, got ndim={}", what, array.ndim()));
  const int h = static_cast<int>(array.shape(0)), w = static_cast<int>(array.shape(1));
  const int c = array.ndim() == 3 ? static_cast<int>(array.shape(2)) : 1;
  if (h < 1 || w < 1 || c < 1)
    throw InvalidArgument(fmt::format("{}: expected a non-empty image, got shape {}x{}x{}", what, h, w, c));
  if (c > 4) throw InvalidArgument(fmt::format("{}: expected at most 4 channels, got {}", what, c));
  Tensor4 t({1, c, h, w});
  if (array.dtype().is(py::dtype::of<std::uint8_t>())) {
    fill_from_hwc<std::uint8_t>(array, 1.0f / 255.0f, t);
  } else if (array.dtype().is(py::dtype::of<float>())) {
    fill_from_hwc<float>(array, 1.0f, t);
    // One NaN would spread through the FFT to the whole channel: refuse it, naming the first bad pixel.
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int ch = 0; ch < c; ++ch)
          if (const float v = t.at(0, ch, y, x); !std::isfinite(v))
            throw InvalidArgument(fmt::format("{}: expected finite values, got {} at row {}, column {}, channel {}",
                                              what, v, y, x, ch));
  } else {
    throw InvalidArgument(fmt::format("{}: expected dtype uint8 or float32, got {}", what,
                                      py::str(array.dtype()).cast<std::string>()));
  }
  return t;
}

py::array_t<float> tensor_to_image_array(const Tensor4& t, int like_ndim) {
  const Shape4& s = t.shape();
  std::vector<py::ssize_t> shape = {s.h, s.w};
  if (like_ndim == 3) shape.push_back(s.c);
  py::array_t<float> out(shape);
  float* dst = out.mutable_data();
  for (int y = 0; y < s.h; ++y)
    for (int x = 0; x < s.w; ++x)
      for (int c = 0; c < s.c; ++c) dst[(static_cast<std::size_t>(y) * s.w + x) * s.c + c] = t.at(0, c, y, x);
  return out;
}

Image array_to_image(const py::array& array, const char* what) {
  if (!array.dtype().is(py::dtype::of<std::uint8_t>()))
    throw InvalidArgument(fmt::format("{}: expected dtype uint8, got {}", what,
                                      py::str(array.dtype()).cast<std::string>()));
  if (array.ndim() != 2 && !(array.ndim() == 3 && (array.shape(2) == 3 || array.shape(2) == 1)))
    throw InvalidArgument(fmt::format("{}: expected an HxW or HxWx3 uint8 array, got ndim={}", what, array.ndim()));
  auto a = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>(array);
  const int h = static_cast<int>(a.shape(0)), w = static_cast<int>(a.shape(1));
  const int c = a.ndim() == 3 ? static_cast<int>(a.shape(2)) : 1;
  if (h < 1 || w < 1) throw InvalidArgument(fmt::format("{}: expected a non-empty image, got {}x{}", what, h, w));
  return Image(h, w, c, std::vector<std::uint8_t>(a.data(), a.data() + a.size()));
}

py::array_t<std::uint8_t> image_to_array(const Image& image) {
  py::array_t<std::uint8_t> out({image.height(), image.width(), image.channels()});
  std::copy(image.pixels().begin(), image.pixels().end(), out.mutable_data());
  return out;
}

void bind_io(py::module_& m) {
  m.def(
      "read_image",
      [](const std::string& path, std::int64_t max_pixels) {
        ImageReadOptions o;
        o.max_pixels = max_pixels;
        Image im;
        {
          py::gil_scoped_release release;
          im = read_image(path, o);
        }
        return image_to_array(im);
      },
      py::arg("path"), py::arg("max_pixels") = ImageReadOptions{}.max_pixels,
      "Read an image file as an HxWx3 uint8 RGB array. Raises OSError for a missing or corrupt file.");
  m.def(
      "write_image",
      [](const std::string& path, const py::array& image) {
        Image im = array_to_image(image, "image");
        py::gil_scoped_release release;
        write_image(path, im);
      },
      py::arg("path"), py::arg("image"),
      "Write an HxWx3 (or HxW) uint8 RGB array; the format follows the extension. Atomic.");
}

}  // namespace ferguard::python
