#pragma once
// The feature compensator: a bounded change in the high band of the expression regions (brows, eyes, mouth) of a
// published face, steered by ferguard's own expression model only, so that its distribution on the published face
// comes back towards the one on the original. No recogniser takes part: it restores the expression, and its budget
// and band keep it from painting an identity back. Private.
#include <cstdint>
#include <memory>
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/frequency/frequency_splitter.h"
#include "ferguard/types.h"

namespace ferguard::detail {

class DifferentiableModel;

struct CompensatorTuning {
  /// RMS change of a pixel of the expression regions at strength 1 ([0, 1] units).
  float budget = 0.05f;
  /// Objective: KL(original || published) + top_weight * relu(top_margin - gap), gap = published log-probability
  /// of the original's top class minus the best other class.
  float top_margin = 1.0f;
  float top_weight = 1.0f;
  /// The change is the same in the three channels: shading, not colour (a free colour change paints green and
  /// magenta blotches around the eyes and mouth, which only an RGB expression model reads).
  bool luminance = true;
};

/// What the compensator did.
struct Compensation {
  Tensor4 canvas;  ///< the compensated published canvas, 1x3xSxS in [0, 1]
  int steps = 0;   ///< gradient steps taken (0: the published face already kept its expression)
  /// The change's state after the run (1x3xSxS, before smoothing, band-limiting and the budget): a video track
  /// starts its next frame from it.
  Tensor4 state;
  /// The canvas differs from the published one (steps were taken, or a non-zero start state was given).
  bool changed = false;
};

class Compensator {
 public:
  Compensator(std::shared_ptr<const DifferentiableModel> expression, SplitOptions split, int threads,
              CompensatorTuning tuning = {});
  ~Compensator();
  /// `original`, `published`: 1x3xSxS canvases; their landmarks (canvas coordinates) place the model's crops;
  /// `limit` (SxS) is where the published face replaces the image (the change stays inside it). At most `steps`
  /// steps, stopping once the top class agrees with the margin and the KL is below 0.02. `start` (may be null or
  /// empty): a previous run's Compensation::state, resized to this canvas, to start from (the previous frame of a
  /// video track: a frame whose top class holds then needs no step); the budget holds for it as for any step.
  Compensation run(const Tensor4& original, const std::vector<Point2f>& original_landmarks, const Tensor4& published,
                   const std::vector<Point2f>& published_landmarks, const std::vector<float>& limit, float strength,
                   int steps, const Tensor4* start = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferguard::detail
