// Per-face and per-run identity leakage.
#include "ferguard/audit/leakage.h"

#include <algorithm>

#include "detail/check.h"

namespace ferguard {

float face_leakage(float distance, float threshold) {
  FERGUARD_CHECK(threshold > 0.0f, "face_leakage: expected threshold > 0, got {}", threshold);
  return std::clamp(1.0f - distance / (2.0f * threshold), 0.0f, 1.0f);
}

}  // namespace ferguard
