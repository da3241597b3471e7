#include "model/ssd_postprocess.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "detail/check.h"

namespace ferguard::detail {

SsdBox decode_ssd_box(const SsdBox& a, const float enc[4]) {
  // Same float32 operations in the same order as face-api's decodeBoxesLayer.
  const float h = a.ymax - a.ymin;
  const float w = a.xmax - a.xmin;
  const float cy_a = a.ymin + h / 2.0f;
  const float cx_a = a.xmin + w / 2.0f;
  const float half_h = std::exp(enc[2] / 5.0f) * h / 2.0f;
  const float cy = enc[0] / 10.0f * h + cy_a;
  const float half_w = std::exp(enc[3] / 5.0f) * w / 2.0f;
  const float cx = enc[1] / 10.0f * w + cx_a;
  return {cy - half_h, cx - half_w, cy + half_h, cx + half_w};
}

float ssd_score(float logit) { return 1.0f / (1.0f + std::exp(-logit)); }

double faceapi_iou(const SsdBox& a, const SsdBox& b) {
  const double ay0 = std::min(a.ymin, a.ymax), ax0 = std::min(a.xmin, a.xmax);
  const double ay1 = std::max(a.ymin, a.ymax), ax1 = std::max(a.xmin, a.xmax);
  const double by0 = std::min(b.ymin, b.ymax), bx0 = std::min(b.xmin, b.xmax);
  const double by1 = std::max(b.ymin, b.ymax), bx1 = std::max(b.xmin, b.xmax);
  const double area_a = (ay1 - ay0) * (ax1 - ax0);
  const double area_b = (by1 - by0) * (bx1 - bx0);
  if (area_a <= 0.0 || area_b <= 0.0) return 0.0;
  const double ih = std::max(std::min(ay1, by1) - std::max(ay0, by0), 0.0);
  const double iw = std::max(std::min(ax1, bx1) - std::max(ax0, bx0), 0.0);
  const double inter = ih * iw;
  return inter / (area_a + area_b - inter);
}

std::vector<int> faceapi_nms(const std::vector<SsdBox>& boxes, const std::vector<float>& scores,
                             const NmsParams& params) {
  FERGUARD_CHECK(boxes.size() == scores.size(), "nms: expected one score per box, got {} boxes and {} scores",
                 boxes.size(), scores.size());
  std::vector<int> candidates;
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (static_cast<double>(scores[i]) > params.min_confidence) candidates.push_back(static_cast<int>(i));
  std::stable_sort(candidates.begin(), candidates.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  const std::size_t output_size =
      static_cast<std::size_t>(std::max(0, std::min<int>(params.max_results, static_cast<int>(boxes.size()))));
  std::vector<int> selected;
  for (int c : candidates) {
    if (selected.size() >= output_size) break;
    bool keep = true;
    // face-api walks the selected boxes from the last to the first; the outcome does not depend on it.
    for (auto it = selected.rbegin(); it != selected.rend(); ++it) {
      if (faceapi_iou(boxes[c], boxes[*it]) > params.iou_threshold) {
        keep = false;
        break;
      }
    }
    if (keep) selected.push_back(c);
  }
  return selected;
}

ReshapedDims reshaped_dims(int width, int height, int input_size) {
  const double scale = static_cast<double>(input_size) / std::max(width, height);
  // JS Math.round: floor(v + 0.5).
  return {static_cast<int>(std::floor(width * scale + 0.5)), static_cast<int>(std::floor(height * scale + 0.5))};
}

ImageBox ssd_box_to_image(const SsdBox& box, int width, int height, int input_size) {
  const ReshapedDims r = reshaped_dims(width, height, input_size);
  const double pad_x = static_cast<double>(input_size) / r.width;
  const double pad_y = static_cast<double>(input_size) / r.height;
  const double top = std::max(0.0, static_cast<double>(box.ymin)) * pad_y;
  const double bottom = std::min(1.0, static_cast<double>(box.ymax)) * pad_y;
  const double left = std::max(0.0, static_cast<double>(box.xmin)) * pad_x;
  const double right = std::min(1.0, static_cast<double>(box.xmax)) * pad_x;
  return {left * width, top * height, (right - left) * width, (bottom - top) * height};
}

}  // namespace ferguard::detail
