#pragma once
// The baseline privacy transforms ferguard is compared with, applied to a face's working canvas (1x3xSxS in
// [0, 1]); the pipeline confines their change to the face mask exactly as it does ferguard's own. Private.
#include "ferguard/frequency/frequency_splitter.h"
#include "ferguard/types.h"

namespace ferguard::detail {

/// Gaussian blur, sigma = 0.06 * S * strength pixels (strength 0: unchanged).
Tensor4 blur_canvas(const Tensor4& canvas, float strength);
/// Block averaging, block = max(1, round(S * strength / 6)) pixels (strength 1: six blocks across the canvas).
Tensor4 pixelate_canvas(const Tensor4& canvas, float strength);
/// Plain frequency transform: the low band moved towards its mean colour by strength_low (1: flat), the high band
/// scaled by 1 - strength_high.
Tensor4 frequency_canvas(const Tensor4& canvas, float strength_low, float strength_high,
                         const FrequencySplitter& splitter);

}  // namespace ferguard::detail
