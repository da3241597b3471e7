// Wiener deconvolution with FFTW: the image is mirrored to 2H x 2W so that its periodic extension is continuous
// (no ringing from the jump between opposite edges), and the blur's transfer function on that grid is real and
// separable because the Gaussian kernel is symmetric.
#include "ferguard/audit/reversal.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <new>
#include <vector>

#include "detail/check.h"
#include "detail/fftw_lock.h"

namespace ferguard {
namespace {

// One FFTW plan pair and its buffers for a 2H x 2W real transform; plans made and destroyed under the planner lock,
// with FFTW_ESTIMATE so the bytes out do not depend on timing.
class Transform {
 public:
  Transform(int h, int w) : h_(h), w_(w), wc_(w / 2 + 1) {
    real_ = static_cast<float*>(fftwf_malloc(sizeof(float) * static_cast<std::size_t>(h) * w));
    spec_ = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * static_cast<std::size_t>(h) * wc_));
    if (!real_ || !spec_) {
      release();
      throw std::bad_alloc();
    }
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    forward_ = fftwf_plan_dft_r2c_2d(h, w, real_, spec_, FFTW_ESTIMATE);
    backward_ = fftwf_plan_dft_c2r_2d(h, w, spec_, real_, FFTW_ESTIMATE);
    if (!forward_ || !backward_) {
      destroy_plans();
      release();
      throw ModelError(fmt::format("FFTW: cannot plan a {}x{} transform", h, w));
    }
  }
  ~Transform() {
    {
      std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
      destroy_plans();
    }
    release();
  }
  Transform(const Transform&) = delete;
  Transform& operator=(const Transform&) = delete;

  float* real() { return real_; }
  fftwf_complex* spectrum() { return spec_; }
  int spectrum_width() const { return wc_; }
  void forward() { fftwf_execute(forward_); }
  void backward() { fftwf_execute(backward_); }

 private:
  void destroy_plans() {
    if (forward_) fftwf_destroy_plan(forward_);
    if (backward_) fftwf_destroy_plan(backward_);
    forward_ = backward_ = nullptr;
  }
  void release() {
    if (real_) fftwf_free(real_);
    if (spec_) fftwf_free(spec_);
    real_ = nullptr;
    spec_ = nullptr;
  }

  int h_, w_, wc_;
  float* real_ = nullptr;
  fftwf_complex* spec_ = nullptr;
  fftwf_plan forward_ = nullptr;
  fftwf_plan backward_ = nullptr;
};

// DFT over n points of the sampled Gaussian kernel (radius ceil(4 sigma), normalised to sum 1, wrapped around the
// grid), at frequencies 0..count-1. Real because the kernel is symmetric.
std::vector<double> gaussian_response(double sigma, int n, int count) {
  const int radius = static_cast<int>(std::ceil(4.0 * sigma));
  std::vector<double> g(radius + 1);
  double sum = 0;
  for (int k = 0; k <= radius; ++k) {
    g[k] = std::exp(-0.5 * k * k / (sigma * sigma));
    sum += k == 0 ? g[k] : 2 * g[k];
  }
  const double kPi = 3.14159265358979323846;
  std::vector<double> h(count);
  for (int u = 0; u < count; ++u) {
    double v = g[0];
    for (int k = 1; k <= radius; ++k) v += 2 * g[k] * std::cos(2 * kPi * double(k) * u / n);
    h[u] = v / sum;
  }
  return h;
}

}  // namespace

Image wiener_deconvolve(const Image& image, float sigma, float nsr) {
  FERGUARD_CHECK(!image.empty(), "wiener_deconvolve: expected a non-empty image");
  FERGUARD_CHECK(std::isfinite(sigma) && sigma >= 0.0f, "wiener_deconvolve: sigma: expected a finite value >= 0, got {}",
                 sigma);
  FERGUARD_CHECK(std::isfinite(nsr) && nsr > 0.0f, "wiener_deconvolve: nsr: expected a finite value > 0, got {}", nsr);
  if (sigma < 0.3f) return image;
  const int h = image.height(), w = image.width(), ch = image.channels();
  const int H = 2 * h, W = 2 * w;
  Transform t(H, W);
  const int wc = t.spectrum_width();
  // Filter on the half spectrum, including FFTW's 1/(H W) for the unnormalised inverse.
  const std::vector<double> hy = gaussian_response(sigma, H, H), hx = gaussian_response(sigma, W, wc);
  std::vector<float> filter(static_cast<std::size_t>(H) * wc);
  const double scale = 1.0 / (double(H) * W);
  for (int v = 0; v < H; ++v)
    for (int u = 0; u < wc; ++u) {
      const double r = hy[v] * hx[u];
      filter[static_cast<std::size_t>(v) * wc + u] = static_cast<float>(r / (r * r + nsr) * scale);
    }
  Image out(h, w, ch);
  float* real = t.real();
  for (int c = 0; c < ch; ++c) {
    for (int y = 0; y < H; ++y) {
      const int sy = y < h ? y : H - 1 - y;
      for (int x = 0; x < W; ++x) {
        const int sx = x < w ? x : W - 1 - x;
        real[static_cast<std::size_t>(y) * W + x] = image.at(sy, sx, c);
      }
    }
    t.forward();
    fftwf_complex* s = t.spectrum();
    for (std::size_t i = 0; i < filter.size(); ++i) {
      s[i][0] *= filter[i];
      s[i][1] *= filter[i];
    }
    t.backward();
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const float v = std::nearbyint(real[static_cast<std::size_t>(y) * W + x]);
        out.at(y, x, c) = static_cast<std::uint8_t>(std::clamp(v, 0.0f, 255.0f));
      }
  }
  return out;
}

}  // namespace ferguard
