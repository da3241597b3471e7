#pragma once
/// One-level Haar (db1) wavelet transform, the split used by Xu et al. (WACV 2025).
#include <string>

#include "ferguard/frequency/band_splitter.h"

namespace ferguard {

/// One-level orthonormal Haar coefficients of an NxCxHxW batch. Each sub-band is NxCx(H+1)/2x(W+1)/2:
/// odd sizes are extended by repeating the last row/column. `height` and `width` keep the original size.
struct HaarCoefficients {
  Tensor4 ll;  ///< approximation (low-low)
  Tensor4 lh;  ///< horizontal detail (low along x, high along y)
  Tensor4 hl;  ///< vertical detail (high along x, low along y)
  Tensor4 hh;  ///< diagonal detail
  int height = 0;
  int width = 0;
};

/// Forward transform. Throws InvalidArgument for an empty batch.
HaarCoefficients haar_forward(const Tensor4& batch);
/// Exact inverse of haar_forward (cropped back to height x width).
/// Throws InvalidArgument if the sub-bands disagree in shape or do not match height/width.
Tensor4 haar_inverse(const HaarCoefficients& coefficients);

/// The Haar split behind the BandSplitter interface: low = inverse(LL, 0, 0, 0),
/// high = inverse(0, LH, HL, HH), so low + high == input. Thread safety: stateless, may be shared.
class HaarSplitter final : public BandSplitter {
 public:
  SplitResult split(const Tensor4& batch) const override;
  Tensor4 lowpass(const Tensor4& batch) const override;
  std::string name() const override { return "haar"; }
};

}  // namespace ferguard
