#pragma once
// The min-bbox of a face's landmarks, shared by every crop and mask built from them.
#include <algorithm>
#include <vector>

#include "ferguard/face/face_types.h"

namespace ferguard::detail {

/// Corners of the landmarks' min-bbox: exactly the smallest and largest coordinates (no rounding), so callers compute
/// sizes in the precision they need. `landmarks` must not be empty.
struct LandmarkBounds {
  float x0, y0, x1, y1;
};

inline LandmarkBounds landmark_bounds(const std::vector<Point2f>& landmarks) {
  LandmarkBounds b{landmarks[0].x, landmarks[0].y, landmarks[0].x, landmarks[0].y};
  for (const Point2f& p : landmarks) {
    b.x0 = std::min(b.x0, p.x);
    b.x1 = std::max(b.x1, p.x);
    b.y0 = std::min(b.y0, p.y);
    b.y1 = std::max(b.y1, p.y);
  }
  return b;
}

}  // namespace ferguard::detail
