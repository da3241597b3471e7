#include "ferguard/types.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "detail/check.h"

namespace ferguard {

int max_threads() {
  const unsigned cores = std::thread::hardware_concurrency();
  return 4 * std::max(1, static_cast<int>(cores));
}

void detail::check_threads(int threads, const char* field) {
  FERGUARD_CHECK(threads >= 0 && threads <= max_threads(),
                 "{}: expected 0 (one per core) or 1..{} (4x the {} cores), got {}", field, max_threads(),
                 max_threads() / 4, threads);
}

std::string Shape4::str() const { return fmt::format("{}x{}x{}x{}", n, c, h, w); }

Tensor4::Tensor4(Shape4 shape) : shape_(shape) {
  FERGUARD_CHECK(shape.n >= 0 && shape.c >= 0 && shape.h >= 0 && shape.w >= 0,
                 "tensor shape: expected non-negative dimensions, got {}", shape.str());
  data_.assign(shape.numel(), 0.0f);
}

Tensor4::Tensor4(Shape4 shape, std::vector<float> data) : shape_(shape), data_(std::move(data)) {
  FERGUARD_CHECK(shape.n >= 0 && shape.c >= 0 && shape.h >= 0 && shape.w >= 0,
                 "tensor shape: expected non-negative dimensions, got {}", shape.str());
  FERGUARD_CHECK(data_.size() == shape.numel(), "tensor data: expected {} values for shape {}, got {}",
                 shape.numel(), shape.str(), data_.size());
}

void Tensor4::resize(Shape4 shape) {
  FERGUARD_CHECK(shape.n >= 0 && shape.c >= 0 && shape.h >= 0 && shape.w >= 0,
                 "tensor shape: expected non-negative dimensions, got {}", shape.str());
  shape_ = shape;
  data_.resize(shape.numel());
}

Image::Image(int height, int width, int channels) : height_(height), width_(width), channels_(channels) {
  FERGUARD_CHECK(height >= 1 && width >= 1, "image: expected height and width >= 1, got {}x{}", height, width);
  FERGUARD_CHECK(channels == 1 || channels == 3, "image: expected 1 or 3 channels, got {}", channels);
  pixels_.assign(static_cast<std::size_t>(height) * width * channels, 0);
}

Image::Image(int height, int width, int channels, std::vector<std::uint8_t> pixels) : Image(height, width, channels) {
  FERGUARD_CHECK(pixels.size() == pixels_.size(), "image pixels: expected {} bytes for {}x{}x{}, got {}",
                 pixels_.size(), height, width, channels, pixels.size());
  pixels_ = std::move(pixels);
}

namespace {
void copy_image_into(const Image& image, Tensor4& out, int n) {
  const int h = image.height(), w = image.width(), c = image.channels();
  const std::uint8_t* src = image.data();
  for (int ch = 0; ch < c; ++ch) {
    float* dst = out.plane(n, ch);
    for (std::size_t i = 0, e = static_cast<std::size_t>(h) * w; i < e; ++i) dst[i] = src[i * c + ch] / 255.0f;
  }
}
}  // namespace

Tensor4 to_tensor(const Image& image) {
  FERGUARD_CHECK(!image.empty(), "image: expected a non-empty image");
  Tensor4 out({1, image.channels(), image.height(), image.width()});
  copy_image_into(image, out, 0);
  return out;
}

Tensor4 to_tensor(const std::vector<Image>& images) {
  FERGUARD_CHECK(!images.empty(), "images: expected at least one image");
  const Image& first = images.front();
  FERGUARD_CHECK(!first.empty(), "images[0]: expected a non-empty image");
  Tensor4 out({static_cast<int>(images.size()), first.channels(), first.height(), first.width()});
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Image& im = images[i];
    FERGUARD_CHECK(im.height() == first.height() && im.width() == first.width() && im.channels() == first.channels(),
                   "images[{}]: expected {}x{}x{} like images[0], got {}x{}x{}", i, first.height(), first.width(),
                   first.channels(), im.height(), im.width(), im.channels());
    copy_image_into(im, out, static_cast<int>(i));
  }
  return out;
}

Image to_image(const Tensor4& batch, int index) {
  const Shape4& s = batch.shape();
  FERGUARD_CHECK(index >= 0 && index < s.n, "tensor: image index {} out of range for batch of {}", index, s.n);
  FERGUARD_CHECK(s.c == 1 || s.c == 3, "tensor: expected 1 or 3 channels to make an image, got {}", s.c);
  Image out(s.h, s.w, s.c);
  std::uint8_t* dst = out.data();
  for (int ch = 0; ch < s.c; ++ch) {
    const float* src = batch.plane(index, ch);
    for (std::size_t i = 0, e = s.plane(); i < e; ++i) {
      const float v = std::clamp(src[i], 0.0f, 1.0f) * 255.0f;
      dst[i * s.c + ch] = static_cast<std::uint8_t>(std::lround(v));
    }
  }
  return out;
}

}  // namespace ferguard
