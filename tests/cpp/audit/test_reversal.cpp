// Wiener deconvolution against a float64 naive-DFT implementation of the same filter, and its effect on a blurred
// textured image.
#include "ferguard/audit/reversal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <iostream>
#include <opencv2/imgproc.hpp>
#include <random>
#include <vector>

#include "ferguard/error.h"

namespace ferguard {
namespace {

using Grid = std::vector<std::complex<double>>;

// Direct 2-D DFT of an h x w grid: every output a sum over every input (sign -1 forward, +1 inverse, unscaled).
Grid naive_dft(const Grid& in, int h, int w, int sign) {
  const double kPi = 3.14159265358979323846;
  Grid out(in.size());
  for (int v = 0; v < h; ++v)
    for (int u = 0; u < w; ++u) {
      std::complex<double> acc = 0;
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          acc += in[y * w + x] * std::polar(1.0, sign * 2 * kPi * (double(v) * y / h + double(u) * x / w));
      out[v * w + u] = acc;
    }
  return out;
}

// The same Wiener filter, spelt out: mirror to 2h x 2w, the 2-D sampled Gaussian kernel wrapped onto that grid and
// transformed, conj(K) / (|K|^2 + nsr), back, the top-left h x w, rounded and clamped.
Image reference_wiener(const Image& im, double sigma, double nsr) {
  const int h = im.height(), w = im.width(), H = 2 * h, W = 2 * w;
  const int r = static_cast<int>(std::ceil(4 * sigma));
  double sum = 0;
  for (int dy = -r; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx) sum += std::exp(-0.5 * (dy * dy + dx * dx) / (sigma * sigma));
  Grid kernel(H * W, 0.0);
  for (int dy = -r; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx)
      kernel[((dy % H + H) % H) * W + (dx % W + W) % W] += std::exp(-0.5 * (dy * dy + dx * dx) / (sigma * sigma)) / sum;
  const Grid K = naive_dft(kernel, H, W, -1);
  Image out(h, w, im.channels());
  for (int c = 0; c < im.channels(); ++c) {
    Grid g(H * W);
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) g[y * W + x] = im.at(y < h ? y : H - 1 - y, x < w ? x : W - 1 - x, c);
    Grid F = naive_dft(g, H, W, -1);
    for (int i = 0; i < H * W; ++i) F[i] *= std::conj(K[i]) / (std::norm(K[i]) + nsr);
    const Grid f = naive_dft(F, H, W, +1);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        out.at(y, x, c) = static_cast<std::uint8_t>(std::clamp(std::round(f[y * W + x].real() / (H * W)), 0.0, 255.0));
  }
  return out;
}

cv::Mat as_mat(const Image& im) {
  return cv::Mat(im.height(), im.width(), CV_8UC(im.channels()), const_cast<std::uint8_t*>(im.data())).clone();
}

Image from_mat(const cv::Mat& m) {
  return Image(m.rows, m.cols, m.channels(), std::vector<std::uint8_t>(m.data, m.data + m.total() * m.elemSize()));
}

// Sinusoids of several frequencies and orientations plus sharp-edged rectangles, per channel.
Image textured(int h, int w) {
  Image im(h, w, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        double v = 128 + 50 * std::sin(0.35 * x + 0.9 * c) + 40 * std::cos(0.23 * y - 0.11 * x + c) +
                   25 * std::sin(0.5 * (x + y) + 0.5 * c);
        if ((x / 16 + y / 12 + c) % 3 == 0) v += 30;
        im.at(y, x, c) = static_cast<std::uint8_t>(std::clamp(std::round(v), 0.0, 255.0));
      }
  return im;
}

double psnr(const Image& a, const Image& b) {
  double se = 0;
  for (std::size_t i = 0; i < a.pixels().size(); ++i) se += std::pow(double(a.pixels()[i]) - b.pixels()[i], 2);
  return 10 * std::log10(255.0 * 255.0 / (se / a.pixels().size()));
}

TEST(WienerDeconvolve, MatchesNaiveDftReference) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> u(0, 255);
  Image noise(24, 20, 3);
  for (std::size_t i = 0; i < noise.pixels().size(); ++i) noise.data()[i] = static_cast<std::uint8_t>(u(rng));
  // A blurred random image (the input the attacker meets) and the raw random image (extreme values, clamping).
  cv::Mat blurred;
  cv::GaussianBlur(as_mat(noise), blurred, cv::Size(0, 0), 1.5, 1.5, cv::BORDER_REFLECT);
  for (const Image& im : {from_mat(blurred), noise})
    for (const auto& [sigma, nsr] : {std::pair{1.5, 0.01}, std::pair{0.8, 0.003}}) {
      const Image got = wiener_deconvolve(im, static_cast<float>(sigma), static_cast<float>(nsr));
      const Image want = reference_wiener(im, sigma, nsr);
      ASSERT_EQ(got.height(), 24);
      ASSERT_EQ(got.width(), 20);
      int worst = 0, differ = 0;
      for (std::size_t i = 0; i < got.pixels().size(); ++i) {
        const int d = std::abs(int(got.pixels()[i]) - int(want.pixels()[i]));
        worst = std::max(worst, d);
        differ += d != 0;
      }
      EXPECT_LE(worst, 1) << "sigma " << sigma << " nsr " << nsr;
      EXPECT_LE(differ, static_cast<int>(got.pixels().size() / 50)) << "sigma " << sigma << " nsr " << nsr;
    }
}

TEST(WienerDeconvolve, UndoesAGaussianBlur) {
  const Image sharp = textured(96, 112);
  cv::Mat blurred_mat;
  cv::GaussianBlur(as_mat(sharp), blurred_mat, cv::Size(0, 0), 3.0, 3.0, cv::BORDER_REFLECT);
  const Image blurred = from_mat(blurred_mat);
  const double before = psnr(blurred, sharp);
  const double after = psnr(wiener_deconvolve(blurred, 3.0f), sharp);
  const double after_low_nsr = psnr(wiener_deconvolve(blurred, 3.0f, 0.001f), sharp);
  std::cout << "PSNR blurred " << before << " dB, deconvolved (nsr 0.01) " << after << " dB, (nsr 0.001) "
            << after_low_nsr << " dB\n";
  // Measured: 20.6 dB blurred, 27.7 dB (+7.1) at nsr 0.01 and 33.1 dB (+12.5) at nsr 0.001.
  EXPECT_GE(after - before, 5.0);
  EXPECT_GE(after_low_nsr - before, 9.0);
  // The wrong sigma helps less than the right one.
  EXPECT_GT(after, psnr(wiener_deconvolve(blurred, 1.0f), sharp));
}

TEST(WienerDeconvolve, SmallSigmaIsIdentity) {
  const Image im = textured(17, 23);
  EXPECT_EQ(wiener_deconvolve(im, 0.1f).pixels(), im.pixels());
  EXPECT_EQ(wiener_deconvolve(im, 0.0f).pixels(), im.pixels());
  // Grey images too, and the output keeps the size.
  const Image grey(5, 7, 1);
  const Image out = wiener_deconvolve(grey, 2.0f);
  EXPECT_EQ(out.height(), 5);
  EXPECT_EQ(out.width(), 7);
  EXPECT_EQ(out.channels(), 1);
}

TEST(WienerDeconvolve, RejectsBadArguments) {
  const Image im = textured(8, 8);
  EXPECT_THROW(wiener_deconvolve(Image(), 2.0f), InvalidArgument);
  EXPECT_THROW(wiener_deconvolve(im, -1.0f), InvalidArgument);
  EXPECT_THROW(wiener_deconvolve(im, std::nanf("")), InvalidArgument);
  EXPECT_THROW(wiener_deconvolve(im, INFINITY), InvalidArgument);
  EXPECT_THROW(wiener_deconvolve(im, 2.0f, 0.0f), InvalidArgument);
  EXPECT_THROW(wiener_deconvolve(im, 2.0f, -0.1f), InvalidArgument);
  EXPECT_THROW(wiener_deconvolve(im, 2.0f, std::nanf("")), InvalidArgument);
}

}  // namespace
}  // namespace ferguard
