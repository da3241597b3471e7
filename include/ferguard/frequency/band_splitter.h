#pragma once
/// The two-stream split at the heart of ferguard: every splitter turns a batch into a low-frequency stream
/// (mostly coarse shape and tone) and a high-frequency stream (edges and fine detail) of the same shape,
/// with low + high == input up to float rounding.
#include <memory>
#include <string>

#include "ferguard/types.h"

namespace ferguard {

/// The two streams of a split; both have the input's shape.
struct SplitResult {
  Tensor4 low;
  Tensor4 high;
};

/// Interface shared by the FFT splitter and the Haar wavelet splitter.
class BandSplitter {
 public:
  virtual ~BandSplitter() = default;
  /// Splits an NxCxHxW batch. Throws InvalidArgument for an empty tensor. Thread-safe.
  virtual SplitResult split(const Tensor4& batch) const = 0;
  /// Low stream only (cheaper when the high stream is x - low anyway).
  virtual Tensor4 lowpass(const Tensor4& batch) const = 0;
  /// Recombines two streams of equal shape: low + high. Throws InvalidArgument on a shape mismatch.
  static Tensor4 merge(const Tensor4& low, const Tensor4& high);
  /// Short name for reports, e.g. "fft-gaussian(cutoff=0.1)" or "haar".
  virtual std::string name() const = 0;
};

}  // namespace ferguard
