#pragma once
// face-api's SsdMobilenetv1 post-processing, in plain C++: anchor box decoding, its own greedy NMS and the
// mapping of a normalised box back to image pixels, with every rounding quirk the goldens depend on.
// See tools/reference/NETS.md sections 1.5-1.7.
#include <cstdint>
#include <vector>

namespace ferguard::detail {

/// A box in the padded, normalised detector square: [ymin, xmin, ymax, xmax] (TF order).
struct SsdBox {
  float ymin = 0.0f;
  float xmin = 0.0f;
  float ymax = 0.0f;
  float xmax = 0.0f;
};

/// A box in image pixels; double, as face-api computes it in JS numbers.
struct ImageBox {
  double x = 0.0;
  double y = 0.0;
  double width = 0.0;
  double height = 0.0;
};

/// Decodes one anchor's encoding [ty, tx, th, tw] (variances 10, 10, 5, 5), float32 op by op like tfjs.
SsdBox decode_ssd_box(const SsdBox& anchor, const float encoding[4]);

/// sigmoid(logit), the face score of the class channel 1.
float ssd_score(float logit);

/// face-api's IOU(): coordinates are min/max-sorted, an empty box gives 0; computed in double.
double faceapi_iou(const SsdBox& a, const SsdBox& b);

/// NMS parameters; defaults are face-api's.
struct NmsParams {
  double min_confidence = 0.5;  ///< candidates need score > min_confidence (strict)
  double iou_threshold = 0.5;   ///< a candidate is suppressed by IoU > iou_threshold (strict)
  int max_results = 100;        ///< at most this many (and at most boxes.size()) are selected
};

/// face-api's nonMaxSuppression: candidates above min_confidence sorted by descending score (stable, so
/// ties keep the lower index first), then kept greedily unless an already selected box overlaps with
/// IoU > iou_threshold. Returns the selected indices in selection order. Throws InvalidArgument when the
/// sizes differ.
std::vector<int> faceapi_nms(const std::vector<SsdBox>& boxes, const std::vector<float>& scores,
                             const NmsParams& params);

/// Side lengths face-api scales an image of `width` x `height` to inside the `input_size` square:
/// round(side * input_size / max(width, height)), JS Math.round.
struct ReshapedDims {
  int width = 0;
  int height = 0;
};
ReshapedDims reshaped_dims(int width, int height, int input_size);

/// SsdMobilenetv1.locateFaces' mapping of a decoded box to image pixels: clip to [0, 1] first, then scale by
/// input_size / reshaped side (not by max(W,H)), so boxes may extend into the bottom/right padding.
ImageBox ssd_box_to_image(const SsdBox& box, int width, int height, int input_size);

}  // namespace ferguard::detail
