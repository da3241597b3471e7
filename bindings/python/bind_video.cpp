// Python binding of the video I/O: VideoReader (iterable of HxWx3 uint8 RGB frames) and VideoWriter (a context
// manager: the file appears on close(), an exception inside the with-block leaves no file).
#include <fmt/format.h>

#include <mutex>

#include "bindings.h"
#include "ferguard/io/video_io.h"

namespace ferguard::python {

namespace {
// The C++ reader and writer are streams for one thread at a time. The GIL is released while they decode or encode, so
// each Python object serialises its own calls: Python threads sharing one of them take turns instead of racing.
struct PyVideoReader {
  std::unique_ptr<VideoReader> reader;
  std::mutex mutex;
};

struct PyVideoWriter {
  std::unique_ptr<VideoWriter> writer;
  std::mutex mutex;
  VideoWriter& get() {
    if (!writer) throw InvalidArgument("VideoWriter: already discarded");
    return *writer;
  }
};
}  // namespace

void bind_video(py::module_& m) {
  py::class_<PyVideoReader>(m, "VideoReader",
                            "Frames of a video file as HxWx3 uint8 RGB arrays (iterate over it). Threads sharing one "
                            "reader take turns: each frame goes to one of them.")
      .def(py::init([](const py::object& path) {
             const std::string p = py::str(path).cast<std::string>();
             auto r = std::make_unique<PyVideoReader>();
             py::gil_scoped_release release;
             r->reader = std::make_unique<VideoReader>(p);
             return r;
           }),
           py::arg("path"), "Raises OSError (ferguard.IoError) naming the path if it cannot be opened or has no frame.")
      .def_property_readonly(
          "fps", [](const PyVideoReader& r) { return r.reader->fps(); }, "frames per second, as the container states it")
      .def_property_readonly(
          "width", [](const PyVideoReader& r) { return r.reader->width(); }, "frame width, pixels")
      .def_property_readonly(
          "height", [](const PyVideoReader& r) { return r.reader->height(); }, "frame height, pixels")
      .def_property_readonly(
          "frame_count", [](const PyVideoReader& r) { return r.reader->frame_count(); },
          "as the container states it; -1 if unknown")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", [](PyVideoReader& r) {
        Image frame;
        bool ok = false;
        {
          py::gil_scoped_release release;
          std::lock_guard<std::mutex> lock(r.mutex);
          ok = r.reader->read(frame);
        }
        if (!ok) throw py::stop_iteration();
        return image_to_array(frame);
      });

  py::class_<PyVideoWriter>(m, "VideoWriter",
                            "Writes HxWx3 uint8 RGB frames to a video (mp4v); the file appears only on close(). As a "
                            "context manager it closes on success and drops the temporary file on an exception.")
      .def(py::init([](const py::object& path, int width, int height, double fps) {
             auto w = std::make_unique<PyVideoWriter>();
             w->writer = std::make_unique<VideoWriter>(py::str(path).cast<std::string>(), width, height, fps);
             return w;
           }),
           py::arg("path"), py::arg("width"), py::arg("height"), py::arg("fps") = 25.0,
           "A writer of width x height frames (pixels) at fps frames per second. Raises ValueError for a bad size\n"
           "or rate, OSError (ferguard.IoError) when the file cannot be opened.")
      .def(
          "write",
          [](PyVideoWriter& w, const py::array& frame) {
            const Image im = array_to_image(frame, "frame");
            py::gil_scoped_release release;
            std::lock_guard<std::mutex> lock(w.mutex);
            w.get().write(im);
          },
          py::arg("frame"), "Append an HxWx3 uint8 RGB frame of the writer's size (ValueError otherwise, or after close()).")
      .def("close",
           [](PyVideoWriter& w) {
             py::gil_scoped_release release;
             std::lock_guard<std::mutex> lock(w.mutex);
             w.get().close();
           },
           "Finish the file and move it into place. Raises ValueError when called twice, OSError when no frame was written.")
      .def_property_readonly("frames",
                             [](PyVideoWriter& w) {
                               py::gil_scoped_release release;
                               std::lock_guard<std::mutex> lock(w.mutex);
                               return w.get().frames();
                             },
                             "frames written so far")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyVideoWriter& w, const py::object& type, const py::object&, const py::object&) {
        const bool ok = type.is_none();
        py::gil_scoped_release release;
        std::lock_guard<std::mutex> lock(w.mutex);
        if (ok) {
          w.get().close();
        } else {
          w.writer.reset();  // removes the temporary file
        }
        return false;
      });
}

}  // namespace ferguard::python
