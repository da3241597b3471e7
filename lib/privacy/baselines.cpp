// Baselines with OpenCV and FFTW (no LibTorch).
#include "privacy/baselines.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "detail/check.h"

namespace ferguard::detail {
namespace {

void check_canvas(const Tensor4& x) {
  const Shape4& s = x.shape();
  FERGUARD_CHECK(s.n == 1 && s.c == 3 && s.h >= 1 && s.h == s.w, "canvas: expected 1x3xSxS, got {}", s.str());
}

void check_strength(float s, const char* name) {
  FERGUARD_CHECK(s >= 0.0f && s <= 1.0f, "{}: expected a strength in [0, 1], got {}", name, s);
}

}  // namespace

Tensor4 blur_canvas(const Tensor4& canvas, float strength) {
  check_canvas(canvas);
  check_strength(strength, "blur strength");
  Tensor4 out = canvas;
  const double sigma = 0.06 * canvas.shape().w * strength;
  if (sigma < 0.05) return out;
  for (int c = 0; c < 3; ++c) {
    cv::Mat plane(canvas.shape().h, canvas.shape().w, CV_32F, out.plane(0, c));
    cv::GaussianBlur(plane.clone(), plane, cv::Size(0, 0), sigma, sigma, cv::BORDER_REFLECT);
  }
  return out;
}

Tensor4 pixelate_canvas(const Tensor4& canvas, float strength) {
  check_canvas(canvas);
  check_strength(strength, "pixelate strength");
  const int side = canvas.shape().w;
  const int block = std::max(1, int(std::lround(side * strength / 6.0)));
  Tensor4 out = canvas;
  if (block == 1) return out;
  for (int c = 0; c < 3; ++c)
    for (int by = 0; by < side; by += block)
      for (int bx = 0; bx < side; bx += block) {
        const int ey = std::min(side, by + block), ex = std::min(side, bx + block);
        double sum = 0.0;
        for (int y = by; y < ey; ++y)
          for (int x = bx; x < ex; ++x) sum += canvas.at(0, c, y, x);
        const float mean = float(sum / ((ey - by) * (ex - bx)));
        for (int y = by; y < ey; ++y)
          for (int x = bx; x < ex; ++x) out.at(0, c, y, x) = mean;
      }
  return out;
}

Tensor4 frequency_canvas(const Tensor4& canvas, float strength_low, float strength_high,
                         const FrequencySplitter& splitter) {
  check_canvas(canvas);
  check_strength(strength_low, "frequency strength_low");
  check_strength(strength_high, "frequency strength_high");
  const SplitResult bands = splitter.split(canvas);
  Tensor4 out(canvas.shape());
  const std::size_t plane = canvas.shape().plane();
  for (int c = 0; c < 3; ++c) {
    const float* lo = bands.low.plane(0, c);
    const float* hi = bands.high.plane(0, c);
    double mean = 0.0;
    for (std::size_t i = 0; i < plane; ++i) mean += lo[i];
    mean /= double(plane);
    float* o = out.plane(0, c);
    for (std::size_t i = 0; i < plane; ++i)
      o[i] = lo[i] + strength_low * float(mean - lo[i]) + (1.0f - strength_high) * hi[i];
  }
  return out;
}

}  // namespace ferguard::detail
