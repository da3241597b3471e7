#pragma once
/// FFTW-based low/high frequency split with a radial low-pass mask.
#include <memory>
#include <string>

#include "ferguard/frequency/band_splitter.h"

namespace ferguard {

/// Shape of the radial low-pass mask H(r), where r = sqrt(fx^2 + fy^2) / 0.5 (fx, fy in cycles per pixel),
/// so r = 1 is the Nyquist radius along an axis.
enum class FilterKind {
  ideal,        ///< H = 1 for r <= cutoff, else 0
  gaussian,     ///< H = exp(-r^2 / (2 cutoff^2))
  butterworth,  ///< H = 1 / (1 + (r / cutoff)^(2 order))
};

/// "ideal", "gaussian" or "butterworth"; throws InvalidArgument naming the unknown value.
FilterKind parse_filter_kind(const std::string& name);
/// The inverse of parse_filter_kind.
std::string to_string(FilterKind kind);

/// How FFTW searches for a plan: `estimate` plans instantly, `measure` times candidates once per shape.
enum class PlanEffort { estimate, measure };

/// Options of FrequencySplitter; the same options give bit-identical output.
struct SplitOptions {
  /// Cut-off as a fraction of the Nyquist radius, in (0, sqrt(2)].
  double cutoff = 0.1;
  FilterKind filter = FilterKind::gaussian;
  /// Butterworth order, >= 1 (ignored by the other filters).
  int order = 2;
  /// Threads used over images and channels; 0 means one per hardware core.
  int threads = 0;
  PlanEffort plan_effort = PlanEffort::measure;

  /// Throws InvalidArgument naming the offending field.
  void validate() const;
};

/// Splits each channel of each image with a 2-D real FFT (FFTW, float): low = IFFT(FFT(x) * H),
/// high = x - low. Plans and masks are made once per image size and cached (planning is serialised
/// under a lock; execution runs in parallel). Thread safety: may be shared; split(), lowpass() and combine() may run
/// concurrently, also for sizes not planned yet. A NaN or inf in the input (which the transform would spread over its
/// whole channel) throws InvalidArgument naming the first such value.
class FrequencySplitter final : public BandSplitter {
 public:
  explicit FrequencySplitter(SplitOptions options = {});
  ~FrequencySplitter() override;
  FrequencySplitter(const FrequencySplitter&) = delete;
  FrequencySplitter& operator=(const FrequencySplitter&) = delete;
  FrequencySplitter(FrequencySplitter&&) noexcept;
  FrequencySplitter& operator=(FrequencySplitter&&) noexcept;

  SplitResult split(const Tensor4& batch) const override;
  /// Same as split(), writing into `out` and reusing its buffers when they already have the batch's
  /// shape (no allocation in a steady loop: use this in hot paths).
  void split(const Tensor4& batch, SplitResult& out) const;
  Tensor4 lowpass(const Tensor4& batch) const override;
  std::string name() const override;
  const SplitOptions& options() const;

  /// The mask H for an image of height x width, in FFTW's r2c half-spectrum layout
  /// (height rows of width/2 + 1 values), for inspection and tests.
  std::vector<float> mask(int height, int width) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferguard
