#pragma once
/// Tensor and image conventions, stated once for the whole library:
///  - At the edges (files, cameras, numpy uint8 arrays) an image is HWC uint8 RGB: `Image`.
///  - Inside the library a batch of images is NCHW float32 RGB with values in [0, 1]: `Tensor4`.
///    Channels are always in RGB order; BGR exists only inside the OpenCV I/O code.
///  - Sizes are in pixels, (height, width) order for shapes, (x, y) order for points.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ferguard {

/// Shape of an NCHW batch.
struct Shape4 {
  int n = 0;
  int c = 0;
  int h = 0;
  int w = 0;

  /// Number of elements, n*c*h*w.
  std::size_t numel() const {
    return static_cast<std::size_t>(n) * c * h * w;
  }
  /// Elements of one image plane, h*w.
  std::size_t plane() const { return static_cast<std::size_t>(h) * w; }
  bool operator==(const Shape4& o) const { return n == o.n && c == o.c && h == o.h && w == o.w; }
  bool operator!=(const Shape4& o) const { return !(*this == o); }
  /// "NxCxHxW", for messages.
  std::string str() const;
};

/// A dense NCHW float32 batch that owns its data.
class Tensor4 {
 public:
  Tensor4() = default;
  /// Zero-filled tensor; throws InvalidArgument if a dimension is negative.
  explicit Tensor4(Shape4 shape);
  /// Tensor over a copy of `data`; throws InvalidArgument if data.size() != shape.numel().
  Tensor4(Shape4 shape, std::vector<float> data);

  const Shape4& shape() const { return shape_; }
  /// Gives the tensor a new shape, reusing its storage when large enough (values are then unspecified).
  /// Throws InvalidArgument if a dimension is negative.
  void resize(Shape4 shape);
  bool empty() const { return data_.empty(); }
  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  std::vector<float>& vector() { return data_; }
  const std::vector<float>& vector() const { return data_; }
  /// Pointer to plane (n, c), h*w contiguous floats.
  float* plane(int n, int c) { return data_.data() + (static_cast<std::size_t>(n) * shape_.c + c) * shape_.plane(); }
  const float* plane(int n, int c) const {
    return data_.data() + (static_cast<std::size_t>(n) * shape_.c + c) * shape_.plane();
  }
  float& at(int n, int c, int y, int x) { return plane(n, c)[static_cast<std::size_t>(y) * shape_.w + x]; }
  float at(int n, int c, int y, int x) const { return plane(n, c)[static_cast<std::size_t>(y) * shape_.w + x]; }

 private:
  Shape4 shape_;
  std::vector<float> data_;
};

/// An HWC uint8 image (RGB when channels == 3, grey when 1) that owns its pixels.
class Image {
 public:
  Image() = default;
  /// Zero-filled image; throws InvalidArgument unless height, width >= 1 and channels is 1 or 3.
  Image(int height, int width, int channels);
  /// Image over a copy of `pixels` (HWC); throws InvalidArgument on a size mismatch.
  Image(int height, int width, int channels, std::vector<std::uint8_t> pixels);

  int height() const { return height_; }
  int width() const { return width_; }
  int channels() const { return channels_; }
  bool empty() const { return pixels_.empty(); }
  std::uint8_t* data() { return pixels_.data(); }
  const std::uint8_t* data() const { return pixels_.data(); }
  const std::vector<std::uint8_t>& pixels() const { return pixels_; }
  std::uint8_t& at(int y, int x, int c) {
    return pixels_[(static_cast<std::size_t>(y) * width_ + x) * channels_ + c];
  }
  std::uint8_t at(int y, int x, int c) const {
    return pixels_[(static_cast<std::size_t>(y) * width_ + x) * channels_ + c];
  }

 private:
  int height_ = 0;
  int width_ = 0;
  int channels_ = 0;
  std::vector<std::uint8_t> pixels_;
};

/// 1xCxHxW float tensor in [0, 1] from an image (value / 255).
Tensor4 to_tensor(const Image& image);
/// Stack images of one size into an NxCxHxW tensor; throws InvalidArgument if sizes differ.
Tensor4 to_tensor(const std::vector<Image>& images);
/// Image `index` of a batch as uint8: clamp to [0, 1], scale by 255, round half away from zero.
/// Throws InvalidArgument if index is out of range or the tensor has other than 1 or 3 channels.
Image to_image(const Tensor4& batch, int index = 0);

/// The most threads any `threads` option accepts: 4 times the machine's cores (at least 4). More would only add
/// contention; options above it throw InvalidArgument. `threads = 0` means one per core.
int max_threads();

}  // namespace ferguard
