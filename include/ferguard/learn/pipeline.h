#pragma once
/// A trained privacy pipeline loaded for inference: privatize faces, recognise their expression.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "ferguard/labels.h"
#include "ferguard/types.h"

namespace ferguard {

/// One expression prediction.
struct ExpressionPrediction {
  Expression label = Expression::neutral;
  std::array<float, kNumExpressions> probabilities{};  ///< in ferguard's label order, sum 1
};

/// The enhancers, compensator and FER model written by train(). Inference runs on the CPU with the
/// thread count given to load(); calls are serialised internally, so one object may be shared.
class PrivacyPipeline {
 public:
  /// Loads `dir` (config.json and the .pt weights). threads: LibTorch intra-op threads while it runs
  /// (0 = all cores; the caller's setting is restored after each call). Throws IoError for a missing
  /// file and ModelError for weights that do not match the config.
  static PrivacyPipeline load(const std::string& dir, int threads = 1);
  ~PrivacyPipeline();
  PrivacyPipeline(PrivacyPipeline&&) noexcept;
  PrivacyPipeline& operator=(PrivacyPipeline&&) noexcept;

  /// Privatized faces: NxCxHxW in [0, 1] (C = 3) -> Nx3xSxS, S = image_size(), at the trained strengths.
  /// Inputs of another size are resized (bilinear). Throws InvalidArgument for an empty batch or C != 3.
  Tensor4 privatize(const Tensor4& images) const;
  /// The same at explicit strengths in [0, 1] (the enhancers take the strength as an input).
  Tensor4 privatize(const Tensor4& images, double strength_low, double strength_high) const;
  /// Expressions of faces, through privatize() and the FER model F_u.
  std::vector<ExpressionPrediction> predict(const Tensor4& images) const;

  int image_size() const;
  double strength_low() const;
  double strength_high() const;

 private:
  struct Impl;
  explicit PrivacyPipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferguard
