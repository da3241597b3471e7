#pragma once
/// Synthetic faces: a deterministic generator of labelled RGB faces (identities x 7 expressions x samples),
/// the built-in default dataset. Results on it are results on synthetic data, not on real faces.
#include <cstdint>
#include <memory>
#include <string>

#include "ferguard/data/dataset.h"

namespace ferguard {

/// Options of SyntheticFaces. Every sample is a pure function of (seed, identity, expression, k) and of
/// these options: the same options give the same bytes, on any thread, in any order.
struct SynthOptions {
  int identities = 50;              ///< number of people, >= 1
  int samples_per_expression = 8;   ///< K: samples of each (identity, expression), >= 1
  int size = 112;                   ///< side of the square RGB image in pixels, in [32, 1024]
  std::uint64_t seed = 0x5eedfe11;  ///< selects the people, the expressions' jitter and the nuisance

  /// Expression intensity, uniform in [intensity_min, intensity_max] per sample; scales the action units.
  float intensity_min = 0.6f;
  float intensity_max = 1.0f;
  /// Per-sample random jitter added to every action unit (also on neutral faces), in [0, 1].
  float au_jitter = 0.08f;

  /// Nuisance, drawn per sample. Set each to 0 for clean, frontal faces (jpeg_quality_min = 0: no JPEG).
  float roll_degrees = 8.0f;  ///< in-plane rotation, uniform in [-roll, roll]
  float yaw = 0.35f;          ///< yaw-like horizontal squeeze and feature shift, in [0, 1]
  float scale_jitter = 0.06f; ///< relative scale change, uniform in [-s, s]
  float shift = 0.04f;        ///< translation as a fraction of the size, uniform in [-s, s] on each axis
  float lighting = 0.3f;      ///< strength of a linear lighting gradient and brightness change, in [0, 1]
  float noise = 0.02f;        ///< standard deviation of additive Gaussian pixel noise, in [0, 1] units
  int jpeg_quality_min = 60;  ///< JPEG round trip with quality uniform in [min, max]; 0 disables it
  int jpeg_quality_max = 95;

  /// Fractions of each (identity, expression)'s K samples held out for val and test (the rest: train).
  /// Whenever K >= 3, val and test get at least one sample of each (identity, expression).
  float val_fraction = 0.15f;
  float test_fraction = 0.15f;

  /// Throws InvalidArgument naming the offending field.
  void validate() const;
  /// The same options with every nuisance set to zero (frontal, centred, even light, no noise, no JPEG).
  SynthOptions without_nuisance() const;
};

/// identities x 7 expressions x K samples of synthetic faces. Sample i is identity i / (7 K),
/// expression (i / K) % 7, k = i % K. Identity shows at every scale (face and jaw shape, skin tone, hair;
/// eye shape and spacing, iris colour, nose, brows, lips, moles, freckles, skin texture), and so does
/// expression (jaw drop and mouth opening; lip corners, brow angle, eyelid aperture, nose wrinkle), from
/// action-unit-like parameters with an intensity. Rendering is thread-safe and keeps no state.
class SyntheticFaces final : public FaceDataset {
 public:
  /// Throws InvalidArgument if options.validate() does.
  explicit SyntheticFaces(SynthOptions options = {});
  ~SyntheticFaces() override;
  SyntheticFaces(SyntheticFaces&&) noexcept;
  SyntheticFaces& operator=(SyntheticFaces&&) noexcept;

  std::size_t size() const override;
  /// Renders sample i: size x size x 3 RGB; source is "synth:<identity>/<expression name>/<k>".
  FaceSample get(std::size_t i) const override;
  int num_identities() const override;
  Split split_of(std::size_t i) const override;
  FaceLabel label_of(std::size_t i) const override;
  /// "synth(identities=50,samples=8,size=112,seed=...)".
  std::string name() const override;

  const SynthOptions& options() const;
  /// Index of (identity, expression, k); throws InvalidArgument when out of range.
  std::size_t index_of(int identity, int expression, int k) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A contact sheet: one row per identity (the first `max_identities`, 0 = all), one column per expression
/// (ferguard's order, named in a header row), sample k of each. RGB, tiles of options.size pixels.
/// Throws InvalidArgument for a k outside [0, samples_per_expression).
Image synth_contact_sheet(const SyntheticFaces& faces, int max_identities = 0, int k = 0);

}  // namespace ferguard
