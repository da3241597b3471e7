#pragma once
// Intersection over union of two boxes, shared by face tracking and the naturalness checks.
#include <algorithm>

#include "ferguard/face/face_types.h"

namespace ferguard::detail {

/// |a and b| / |a or b|; 0 for boxes that do not overlap or have no area.
inline float box_iou(const FaceBox& a, const FaceBox& b) {
  const float x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  const float x1 = std::min(a.x + a.width, b.x + b.width), y1 = std::min(a.y + a.height, b.y + b.height);
  const float inter = std::max(0.0f, x1 - x0) * std::max(0.0f, y1 - y0);
  const float uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0.0f ? inter / uni : 0.0f;
}

}  // namespace ferguard::detail
