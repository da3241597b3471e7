#pragma once
// The controlled enhancer and the feature compensator of one face, working on its aligned canvas. Private.
//
// The canvas x0 (1x3xSxS in [0, 1]) becomes x = clamp(x0 + dL + dH + dC):
//  - dL lives in the low band and dH in the high band: each is P(m * u) for a free u, m the face mask and P its band
//    of the FFTW split (the spectrum times H, or 1 - H), so it is in its band by construction and confined to the
//    face up to the band's reach (a low-band change fades out a few pixels past the mask's feathered edge). Each
//    has an RMS budget set by its strength. Both are steered by the identity controllers: every
//    controller's embedding of x is pushed away from its embedding of x0 until the distance reaches a target of
//    (1 + max(strength_low, strength_high)) times its threshold.
//  - dC (the compensator) lives in the high band inside the brow, eye and mouth regions; it is steered by the
//    expression controller (KL of its distribution on x from that on x0) with the identity controllers still
//    watching, under its own budget.
// Crops for every model are resampled from the canvas (bilinear, with each model's own crop geometry) and small
// random shifts and scales of those crops at every step (seeded) keep the change from fitting one exact crop.
#include <cstdint>
#include <memory>
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/frequency/frequency_splitter.h"
#include "ferguard/types.h"

namespace ferguard::detail {

class DifferentiableModel;
class DifferentiableRecognizer;

/// The changes of one face (the free u of each stream), kept between the frames of a video track.
struct PrivatizerState {
  Tensor4 low, high, compensation;  ///< 1x3xSxS each, or empty
};

/// One face to privatize.
struct PrivatizeRequest {
  Tensor4 canvas;                          ///< 1x3xSxS in [0, 1]
  std::vector<Point2f> landmarks;          ///< 68 landmarks in canvas coordinates
  float strength_low = 0.0f, strength_high = 0.0f, compensate = 0.0f;
  int steps = 8;                 ///< enhancer + compensator steps
  int compensation_steps = 0;    ///< compensator-only steps after them
  std::uint64_t seed = 0;
  /// The face whose identity the controllers push away from and whose expression the compensator keeps (1x3xSxS,
  /// same landmarks); empty = `canvas` itself. Set when the canvas is already a changed face (the template method's
  /// optional refinement) and the distance that matters is the one from the original.
  Tensor4 reference;
};

/// What came out.
struct PrivatizeOutcome {
  Tensor4 delta;                           ///< x - x0, 1x3xSxS ([0, 1] units), confined to the face (see above)
  int steps_run = 0;                       ///< steps behind the published iterate (early stop once all targets are met)
  std::vector<float> controller_distance;  ///< each controller's distance x-x0 at that iterate, in its units
  float kl = 0.0f;                         ///< the expression controller's KL(x0 || x) at that iterate
  /// Further checked iterates, next best first (same ordering as `delta`: keeps the original's top class on the
  /// canvas, then the lowest identity loss); the caller may publish one of them when `delta`'s label does not
  /// survive being pasted back. Empty when the privatizer changed nothing.
  std::vector<Tensor4> alternatives;
  /// The privatizer state behind each alternative (what a video track continues from if it is published).
  std::vector<PrivatizerState> alternative_states;
};

/// Budgets at strength 1 (RMS change of a face pixel, [0, 1] units) and the step rule. The defaults were chosen on
/// the 22 sample faces (README, "Choosing the defaults"); exposed for tests and benchmarks.
struct PrivatizerTuning {
  float budget_low = 0.12f;
  float budget_high = 0.04f;
  float budget_compensation = 0.10f;
  /// Step size as a fraction of the budget.
  float step = 1.0f;
  /// Crop jitter: shift as a fraction of the crop side, and relative scale.
  float jitter = 0.03f;
  /// The expression objective is KL(original || private) + top_weight * relu(top_margin - gap), gap = the private
  /// log-probability of the original's top class minus the best other class: the KL alone lets ambiguous faces
  /// flip their top class. Margin 1.5 was chosen over ten seeds on the 22 sample faces (README).
  float top_weight = 1.0f;
  float top_margin = 1.5f;
  /// Weight of the expression KL in the enhancers' own steps (0: identity only).
  float enhancer_kl = 2.0f;
};

class Privatizer {
 public:
  /// Takes the controllers (at least one) and the expression controller. `threads`: LibTorch intra-op threads.
  Privatizer(std::vector<std::shared_ptr<const DifferentiableRecognizer>> controllers,
             std::shared_ptr<const DifferentiableModel> expression, SplitOptions split, int threads,
             PrivatizerTuning tuning = {});
  ~Privatizer();
  /// Privatizes one face, starting from `state` when it holds changes of the canvas's size, and leaves the final
  /// changes there. Throws InvalidArgument for a malformed request.
  PrivatizeOutcome run(const PrivatizeRequest& request, PrivatizerState* state = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferguard::detail
