#pragma once
// The radial low-pass mask shared by the FFTW splitter, its tests and the benchmarks' peers.
#include <cmath>
#include <vector>

#include "ferguard/frequency/frequency_splitter.h"

namespace ferguard::detail {

/// H at normalised radius r (r = 1 at the Nyquist frequency along an axis).
inline double lowpass_gain(const SplitOptions& o, double r) {
  switch (o.filter) {
    case FilterKind::ideal: return r <= o.cutoff ? 1.0 : 0.0;
    case FilterKind::gaussian: return std::exp(-(r * r) / (2.0 * o.cutoff * o.cutoff));
    case FilterKind::butterworth: return 1.0 / (1.0 + std::pow(r / o.cutoff, 2.0 * o.order));
  }
  return 0.0;
}

/// Normalised radius of DFT bin (ky, kx) of an h x w image.
inline double bin_radius(int ky, int kx, int h, int w) {
  const double fy = static_cast<double>(ky <= h / 2 ? ky : ky - h) / h;
  const double fx = static_cast<double>(kx <= w / 2 ? kx : kx - w) / w;
  return std::sqrt(fx * fx + fy * fy) / 0.5;
}

/// Half-spectrum mask (h rows of w/2+1), each value multiplied by `scale`.
inline std::vector<float> half_spectrum_mask(const SplitOptions& o, int h, int w, double scale) {
  const int wc = w / 2 + 1;
  std::vector<float> m(static_cast<std::size_t>(h) * wc);
  for (int ky = 0; ky < h; ++ky)
    for (int kx = 0; kx < wc; ++kx)
      m[static_cast<std::size_t>(ky) * wc + kx] = static_cast<float>(lowpass_gain(o, bin_radius(ky, kx, h, w)) * scale);
  return m;
}

}  // namespace ferguard::detail
